"""The admin's export formats (django-import-export), made safe to open in Excel.

django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a
leading "="; these give every cell that starts like a formula (= + - @, tab,
carriage return) a leading apostrophe, as the product's other exports do.
"""

from import_export.formats import base_formats

from infra.files import text_safe


def _neutralise(dataset) -> None:
    for index in range(len(dataset)):
        dataset[index] = tuple(text_safe(value) for value in dataset[index])


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        _neutralise(dataset)
        return super().export_data(dataset, **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        _neutralise(dataset)
        return super().export_data(dataset, **kwargs)
