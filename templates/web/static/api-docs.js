/* Starts Swagger UI on the API's documentation page (service/api/docs.py): a file of its own,
   not an inline script, so the page keeps the service's Content-Security-Policy. */
(function () {
  var root = document.getElementById("api-docs");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: false,
    validatorUrl: null
  });
}());
