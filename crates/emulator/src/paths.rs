//! Case-insensitive paths, as the vendors serve them (NicePy calls `/incontactApi/…`, NICE's own
//! JS SDK `/InContactAPI/…`). One mechanism: every route is registered with its literal segments
//! lower-cased ([`route`]), and [`lowercase`] lower-cases each request's path before routing. Query
//! strings are left exactly as sent: parameter names stay as the vendor defines them.

use axum::extract::Request;
use axum::http::uri::{PathAndQuery, Uri};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;

use crate::SharedState;

/// `path` as the router holds it: literal segments lower-cased, `{param}` segments kept.
pub(crate) fn canonical(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                segment.to_owned()
            } else {
                segment.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Adds a route whose path matches in any letter case (see the module comment).
pub(crate) fn route(
    router: Router<SharedState>,
    path: &str,
    handler: MethodRouter<SharedState>,
) -> Router<SharedState> {
    router.route(&canonical(path), handler)
}

/// Middleware run before routing: lower-cases the request's path, keeps its query as sent.
pub(crate) async fn lowercase(mut request: Request, next: Next) -> Response {
    if let Some(uri) = lowercased(request.uri()) {
        *request.uri_mut() = uri;
    }
    next.run(request).await
}

/// The URI with its path lower-cased, or `None` when it already is.
fn lowercased(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{}?{query}", path.to_ascii_lowercase()),
        None => path.to_ascii_lowercase(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_are_lowercased_and_params_kept() {
        assert_eq!(
            canonical("/inContactAPI/services/{version}/agents/{agentId}"),
            "/incontactapi/services/{version}/agents/{agentId}"
        );
        assert_eq!(
            canonical("/restapi/v1.0/account/~/extension"),
            "/restapi/v1.0/account/~/extension"
        );
    }

    #[test]
    fn the_query_keeps_its_case() {
        let uri: Uri = "/InContactAPI/services/v34.0/agents?updateSince=2026-01-05T09:00:00.000Z&isActive=True"
            .parse()
            .unwrap();
        assert_eq!(
            lowercased(&uri).unwrap().to_string(),
            "/incontactapi/services/v34.0/agents?updateSince=2026-01-05T09:00:00.000Z&isActive=True"
        );
        assert!(lowercased(&"/auth/token".parse().unwrap()).is_none());
    }
}
