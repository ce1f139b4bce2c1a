"""The security header Django 5.2 has no setting for: a Content-Security-Policy on API data.

SecurityMiddleware and XFrameOptionsMiddleware set the others (settings.py, "Security").
JSON is never a page: should a browser ever render an API answer as a document, nothing in
it may load, run or be framed. HTML pages (the admin, the API docs, DEBUG's browsable API)
and file downloads keep their own needs and get no policy from here.
"""

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ApiSecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "json" in response.get("Content-Type", ""):
            response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        return response
