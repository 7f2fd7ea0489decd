// Starts Swagger UI on /docs (a file, not an inline script, so the page keeps script-src 'self').
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
