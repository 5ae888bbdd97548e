from . import urls_documents, urls_library

app_name = "knowledge"

# One module per area: the library and items, and the files of documents.
urlpatterns = [
    *urls_library.urlpatterns,
    *urls_documents.urlpatterns,
]
