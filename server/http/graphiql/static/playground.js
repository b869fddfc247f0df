// GraphiQL with the query explorer, talking to the endpoint that served this
// page: queries and mutations over HTTP, subscriptions over a WebSocket
// (graphql-transport-ws) of the same origin and path. GraphiQL sends what the
// headers pane holds with both, in the WebSocket's connection_init payload.
"use strict";

(function () {
  const endpoint = new URL(window.location.pathname, window.location.href);
  const subscriptions = new URL(endpoint);
  subscriptions.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptions.href,
  });

  const playground = React.createElement(GraphiQL, {
    fetcher: fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(playground);
})();
