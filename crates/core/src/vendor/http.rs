//! What every vendor client shares: one configured HTTP client, the transport policy (https, or
//! plain http to loopback only; redirects only within the same origin; "next page" links only to
//! the connection's own origin, and never followed forever), and the mapping of transport
//! failures to sentences a person can act on.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::{Error, Result};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Redirects followed at most, and only within the origin the request went to.
pub const MAX_REDIRECTS: usize = 3;

/// The HTTP client all vendor calls go through.
///
/// Certificates: rustls checked against the operating system's root store only
/// (`rustls-tls-native-roots`; the bundled Mozilla list is deliberately not compiled in). The
/// admins who run CC Sync sit behind corporate proxies that inspect TLS; their IT installs the
/// proxy's CA in the OS store, and a second, bundled list would make a pull succeed or fail
/// depending on which list a build happened to consult. One source, the one IT manages, also means
/// a CA the OS distrusts is distrusted here too. (`TlsFailed` says as much to the user.)
///
/// Redirects: never to another origin, and never to plain http off loopback (see
/// [`redirect_policy`]): a token request that a server redirects elsewhere would otherwise carry
/// the client secret, access key secret, refresh token or JWT to whoever `Location` names.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("CCSync/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(redirect_policy())
        .build()
        .map_err(|e| Error::Internal(format!("cannot set up HTTPS: {e}")))
}

/// Follows at most [`MAX_REDIRECTS`] redirects, each to the origin of the first request and under
/// the same https-or-loopback rule; anything else stops before a byte is sent to the new host.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first().cloned() else {
            return attempt.stop();
        };
        let refused = |reason: RedirectReason| RedirectRefused {
            from: origin(&first),
            to: origin(attempt.url()),
            reason,
        };
        if attempt.url().origin() != first.origin() {
            let error = refused(RedirectReason::OtherOrigin);
            return attempt.error(error);
        }
        if check_transport(attempt.url()).is_err() {
            let error = refused(RedirectReason::Insecure);
            return attempt.error(error);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            let error = refused(RedirectReason::TooMany);
            return attempt.error(error);
        }
        attempt.follow()
    })
}

#[derive(Debug, Clone, Copy)]
enum RedirectReason {
    OtherOrigin,
    Insecure,
    TooMany,
}

/// Why a redirect was not followed (carried inside reqwest's error to [`transport_error`]).
#[derive(Debug)]
struct RedirectRefused {
    from: String,
    to: String,
    reason: RedirectReason,
}

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "redirect from {} to {} refused ({:?})",
            self.from, self.to, self.reason
        )
    }
}

impl std::error::Error for RedirectRefused {}

impl RedirectRefused {
    fn sentence(&self) -> Error {
        let RedirectRefused { from, to, reason } = self;
        Error::UnexpectedResponse(match reason {
            RedirectReason::OtherOrigin | RedirectReason::Insecure => format!(
                "{from} redirected the request to {to}, which is not the host this connection is set up for. \
                 CC Sync sent nothing there: credentials go only to the host you entered. Check the URL under \
                 Connections; if the service has moved, enter its new address."
            ),
            RedirectReason::TooMany => format!(
                "{from} redirected the request more than {MAX_REDIRECTS} times. Check the URL under Connections."
            ),
        })
    }
}

/// Parses a URL the user typed and applies the transport policy: https anywhere, plain http only
/// on loopback (the built-in emulator), nothing else.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{trimmed}\" is not a URL. Enter it in full, for example https://cxone.niceincontact.com."
        ))
    })?;
    check_transport(&url)?;
    Ok(url)
}

/// Refuses plain http to anything but a loopback address.
pub fn check_transport(url: &Url) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::InsecureUrl {
            url: url.as_str().trim_end_matches('/').to_owned(),
        }),
        other => Err(Error::InvalidInput(format!(
            "{url} uses \"{other}:\"; CC Sync speaks https:// only."
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Pages read at most when a list reports no total (1,000 a page: ten million records).
pub const MAX_PAGES_WITHOUT_TOTAL: u64 = 10_000;

/// The most pages a list of `total` records may take at `page_size` a page: twice what it should
/// take plus ten, so records added while paging and servers that cap the page size still fit.
pub fn page_cap(total: u64, page_size: u64) -> u64 {
    total.div_ceil(page_size.max(1)).saturating_mul(2).saturating_add(10)
}

/// Bounds on following a server's pages: each "next page" URL must stay on the connection's
/// origin and never repeat, each page must bring records not seen before, and the number of pages
/// stays under a cap derived from the reported total. A server that breaks one ends the run with a
/// sentence instead of hanging it.
pub struct PageGuard {
    /// "RingCentral's extension list", for sentences.
    what: &'static str,
    base: Url,
    urls: HashSet<String>,
    pages: u64,
}

impl PageGuard {
    pub fn new(what: &'static str, base: &Url) -> PageGuard {
        PageGuard {
            what,
            base: base.clone(),
            urls: HashSet::new(),
            pages: 0,
        }
    }

    /// A "next page" link the server handed back, resolved against the page it came from: it must
    /// have the origin of the connection's API base and must not have been handed back before.
    pub fn next_url(&mut self, raw: &str, current: &Url) -> Result<Url> {
        let next = current.join(raw.trim()).map_err(|_| {
            Error::UnexpectedResponse(format!(
                "{} gave a next-page link that is not a URL. Try again later; if it persists, report it to the vendor.",
                self.what
            ))
        })?;
        check_same_origin(&next, &self.base, self.what)?;
        self.urls.insert(current.as_str().to_owned());
        if !self.urls.insert(next.as_str().to_owned()) {
            return Err(Error::UnexpectedResponse(format!(
                "{} handed back the same next-page link ({}) twice. CC Sync stopped rather than read the same \
                 pages forever; nothing was written. Try again later; if it persists, report it to the vendor.",
                self.what,
                next.path()
            )));
        }
        Ok(next)
    }

    /// Counts one page that carried `records` records of which `fresh` were not seen before;
    /// `total` is the list's reported size, when it gives one.
    pub fn page(&mut self, records: usize, fresh: usize, total: Option<u64>, page_size: u64) -> Result<()> {
        self.pages += 1;
        if records > 0 && fresh == 0 {
            return Err(Error::UnexpectedResponse(format!(
                "{} sent page {} with only records it had already sent (it seems to ignore paging). CC Sync \
                 stopped rather than read the same records forever; nothing was written. Try again later; if \
                 it persists, report it to the vendor.",
                self.what, self.pages
            )));
        }
        let cap = total.map_or(MAX_PAGES_WITHOUT_TOTAL, |t| page_cap(t, page_size));
        if self.pages > cap {
            return Err(Error::UnexpectedResponse(format!(
                "{} went on past {cap} pages{}. CC Sync stopped rather than page forever; nothing was written. \
                 Try again later; if it persists, report it to the vendor.",
                self.what,
                total
                    .map(|t| format!(" although it reported {t} records in all"))
                    .unwrap_or_default()
            )));
        }
        Ok(())
    }
}

/// A URL a server handed back (a next page) must be on the origin of the connection's API base:
/// the bearer token goes wherever it points.
pub fn check_same_origin(url: &Url, base: &Url, what: &str) -> Result<()> {
    if url.origin() == base.origin() {
        return Ok(());
    }
    Err(Error::UnexpectedResponse(format!(
        "{what} pointed the next page at {}, not at {} where this connection's API is. CC Sync sent nothing \
         there (the access token goes only to the host you entered). Check the URL under Connections; if it is \
         right, report this to the vendor.",
        origin(url),
        origin(base)
    )))
}

/// `scheme://host[:port]` of a URL, for messages.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Turns a transport failure (no answer, TLS, timeout) into an error a person can act on.
pub fn transport_error(error: reqwest::Error, url: &Url) -> Error {
    let host = origin(url);
    if let Some(refused) = find_cause::<RedirectRefused>(&error) {
        return refused.sentence();
    }
    let chain = error_chain(&error);
    if error.is_timeout() {
        return Error::Timeout {
            host,
            seconds: REQUEST_TIMEOUT.as_secs(),
        };
    }
    let lower = chain.to_lowercase();
    // rustls reports through io::Error text; these are the phrases of its handshake failures.
    const TLS_SIGNS: [&str; 5] = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "received fatal alert",
    ];
    if TLS_SIGNS.iter().any(|sign| lower.contains(sign)) {
        return Error::TlsFailed {
            host,
            detail: last_cause(&chain),
        };
    }
    if error.is_connect() || error.is_request() {
        let detail = if lower.contains("dns") || lower.contains("resolve") || lower.contains("name or service") {
            "the host name could not be resolved".to_owned()
        } else if lower.contains("refused") {
            "the connection was refused".to_owned()
        } else {
            last_cause(&chain)
        };
        return Error::HostUnreachable { host, detail };
    }
    Error::UnexpectedResponse(format!(
        "The answer from {host} could not be read ({}).",
        last_cause(&chain)
    ))
}

fn find_cause<'a, T: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = current {
        if let Some(found) = cause.downcast_ref::<T>() {
            return Some(found);
        }
        current = cause.source();
    }
    None
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

fn last_cause(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).to_owned()
}

/// The body as text, decoded as its charset says (UTF-8 when it says nothing; a byte order mark
/// dropped, malformed bytes replaced), as reqwest's `text()` does — but read into one buffer
/// sized by Content-Length and kept as the String: `text()` gathers the chunks into one buffer,
/// then copies it, two fresh megabytes per page of 1,000 agents.
async fn read_text(mut response: reqwest::Response, content_type: &str, url: &Url) -> Result<String> {
    // Room for what the server announces, within reason (it may announce anything).
    const MOST_RESERVED: u64 = 16 << 20;
    let announced = response.content_length().unwrap_or(0).min(MOST_RESERVED);
    let mut bytes = Vec::with_capacity(announced as usize);
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(e, url))? {
        bytes.extend_from_slice(&chunk);
    }
    let charset = content_type
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"'));
    let encoding = charset
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let utf16_bom = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if encoding != encoding_rs::UTF_8 || utf16_bom {
        return Ok(encoding.decode(&bytes).0.into_owned());
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A response read to the end: status, content type and body text.
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub async fn read(response: reqwest::Response, url: &Url) -> Result<Answer> {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = read_text(response, &content_type, url).await?;
        Ok(Answer {
            status,
            headers,
            content_type,
            body,
        })
    }

    /// Parses the body as JSON of type `T`, or explains what came back instead.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str, url: &Url) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|_| self.unexpected(what, url))
    }

    /// "The server at X answered … with …, not …": for answers that are not what the API sends.
    pub fn unexpected(&self, what: &str, url: &Url) -> Error {
        let kind = if self.content_type.is_empty() {
            "no content type".to_owned()
        } else {
            self.content_type.clone()
        };
        let shown = if self.body.trim().is_empty() {
            "an empty body".to_owned()
        } else {
            kind
        };
        Error::UnexpectedResponse(format!(
            "{} answered the {what} with HTTP {} and {shown}, which is not what the API sends. \
             Check that the URL points at the right service.",
            origin(url),
            self.status.as_u16()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serves each canned response (head and body bytes as sent) once per connection, in turn.
    async fn serve(responses: Vec<Vec<u8>>) -> Url {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            for response in responses {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                socket.write_all(&response).await.unwrap();
                socket.shutdown().await.unwrap();
            }
        });
        url
    }

    fn response(content_type: &str, body: &[u8], chunked: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n").into_bytes();
        if chunked {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for piece in body.chunks(7) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        } else {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        out
    }

    /// The body is read as reqwest's own `text()` reads it (the reference), for every charset
    /// case: none, UTF-8 with and without a byte order mark, malformed UTF-8, Latin-1, a UTF-16
    /// byte order mark, chunked or with a length.
    #[tokio::test]
    async fn bodies_read_as_reqwests_text_reads_them() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("application/json", br#"{"agents":[{"firstName":"Zo\u00eb"}]}"#.to_vec()),
            (
                "application/json; charset=utf-8",
                "{\"name\":\"Zoë 日本 😀\"}".as_bytes().to_vec(),
            ),
            ("application/json", [b"\xEF\xBB\xBF".as_slice(), b"{\"a\":1}"].concat()),
            ("application/json", b"{\"a\":\"\xFF\xFEbad\xC3\"}".to_vec()),
            ("text/plain; charset=\"ISO-8859-1\"", b"caf\xE9".to_vec()),
            (
                "text/plain",
                [
                    b"\xFF\xFE".as_slice(),
                    "hi".encode_utf16()
                        .flat_map(u16::to_le_bytes)
                        .collect::<Vec<_>>()
                        .as_slice(),
                ]
                .concat(),
            ),
            ("application/json", Vec::new()),
            ("application/json", "x".repeat(100_000).into_bytes()),
        ];
        let client = reqwest::Client::new();
        for (content_type, body) in cases {
            for chunked in [false, true] {
                let canned = response(content_type, &body, chunked);
                let url = serve(vec![canned.clone(), canned]).await;
                let ours = Answer::read(client.get(url.clone()).send().await.unwrap(), &url)
                    .await
                    .unwrap();
                let reference = client.get(url.clone()).send().await.unwrap().text().await.unwrap();
                assert_eq!(ours.body, reference, "{content_type}, chunked: {chunked}");
            }
        }
    }

    #[test]
    fn https_is_accepted_anywhere() {
        assert!(parse_base_url("https://cxone.niceincontact.com").is_ok());
    }

    #[test]
    fn plain_http_is_accepted_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.4.5.6",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok} should be allowed");
        }
        for bad in [
            "http://cxone.niceincontact.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InsecureUrl, "{bad}");
            assert!(err.to_string().contains("https://"), "{err}");
        }
    }

    #[test]
    fn next_page_links_stay_on_the_api_origin_and_never_repeat() {
        let base = Url::parse("https://webexapis.com/v1/").unwrap();
        let first = Url::parse("https://webexapis.com/v1/people?max=2").unwrap();
        let mut guard = PageGuard::new("Webex's people list", &base);
        let second = guard
            .next_url("https://webexapis.com/v1/people?max=2&cursor=a", &first)
            .unwrap();
        // Relative links resolve against the page they came from.
        let third = guard.next_url("/v1/people?max=2&cursor=b", &second).unwrap();
        assert_eq!(third.as_str(), "https://webexapis.com/v1/people?max=2&cursor=b");
        for foreign in [
            "https://evil.example/v1/people?cursor=c",
            "http://webexapis.com/v1/people?cursor=c",
            "https://webexapis.com:8443/v1/people?cursor=c",
            "https://api.webexapis.com/v1/people?cursor=c",
        ] {
            let error = guard.next_url(foreign, &third).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::UnexpectedResponse, "{foreign}");
            assert!(error.to_string().contains("sent nothing"), "{error}");
        }
        let repeated = guard.next_url("https://webexapis.com/v1/people?max=2&cursor=a", &third);
        assert!(repeated.unwrap_err().to_string().contains("twice"));
        let to_itself = guard.next_url(first.as_str(), &first);
        assert!(to_itself.is_err(), "a link to the page just read");
    }

    #[test]
    fn pages_must_bring_new_records_and_stay_under_the_cap() {
        let base = Url::parse("https://platform.ringcentral.com").unwrap();
        let mut guard = PageGuard::new("RingCentral's extension list", &base);
        guard.page(1000, 1000, Some(2500), 1000).unwrap();
        guard.page(0, 0, Some(2500), 1000).unwrap(); // an empty last page is fine
        let error = guard.page(1000, 0, Some(2500), 1000).unwrap_err();
        assert!(error.to_string().contains("already sent"), "{error}");
        assert_eq!(page_cap(2500, 1000), 16);
        assert_eq!(page_cap(0, 1000), 10);
        let mut guard = PageGuard::new("RingCentral's extension list", &base);
        for _ in 0..page_cap(10, 5) {
            guard.page(5, 5, Some(10), 5).unwrap();
        }
        let error = guard.page(5, 5, Some(10), 5).unwrap_err();
        assert!(error.to_string().contains("reported 10 records"), "{error}");
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert_eq!(
            parse_base_url("ftp://x.example").unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
        assert_eq!(
            parse_base_url("cxone").unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
    }
}
