'use strict';
// 共享申请的信息项选择框：检索时附上已选择的目录，只列出这些目录的信息项（不属于所选目录的信息项由服务拒绝）。
{
    const $ = django.jQuery;

    function chosenEntries(element) {
        const entries = document.getElementById(element.dataset.entriesField);
        return entries ? $(entries).val() || [] : [];
    }

    $(function() {
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
}
