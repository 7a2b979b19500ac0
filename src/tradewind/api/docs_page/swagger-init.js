// Starts Swagger UI on the API's schema. A file, not an inline script, so the page's
// Content-Security-Policy (script-src 'self') holds; validatorUrl null keeps every
// request on this webserver.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
  });
});
