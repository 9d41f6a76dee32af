"""Admin for 政务信息化项目与采购."""
