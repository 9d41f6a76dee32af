"""政务信息化项目与采购: models (built in its own issue)."""
