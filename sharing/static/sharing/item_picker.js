'use strict';
// 共享申请的信息项选择框：检索时附上已选择的目录，只列出这些目录的信息项（不属于所选目录的信息项由服务拒绝）。
// 在页面加载完成后运行：此时 Django 的 autocomplete.js 已初始化选择框，这里为信息项选择框换上带目录的检索参数。
window.addEventListener('load', function() {
    const $ = django.jQuery;

    function chosenEntries(element) {
        const entries = document.getElementById(element.dataset.entriesField);
        return entries ? $(entries).val() || [] : [];
    }

    $('select[data-entries-field]').not('[name*=__prefix__]').each(function(i, element) {
        if ($(element).data('select2')) {
            $(element).select2('destroy');
        }
        $(element).select2({
            ajax: {
                data: (params) => ({
                    term: params.term,
                    page: params.page,
                    entries: chosenEntries(element).join(',')
                })
            }
        });
    });
});
