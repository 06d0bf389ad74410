//! A small HTTP/1.1 forwarder between flowlens and moto, on 127.0.0.1: it logs every request
//! (method, path and query, the access key of its signature), answers 403 AccessDenied for keys
//! and list prefixes under a denied prefix, and can stop after a number of object body bytes,
//! closing every connection and its listening socket as a server that went away.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One request seen.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// Path and query, percent-decoded.
    pub target: String,
    /// The access key id of the request's signature.
    pub access_key: String,
    /// The JSON protocols' operation (`X-Amz-Target`, e.g. `AmazonAthena.StartQueryExecution`).
    pub target_op: String,
    /// The request body (text).
    pub body: String,
}

impl Seen {
    /// A ListObjectsV2 request.
    pub fn is_list(&self) -> bool {
        self.method == "GET" && self.target.contains("list-type=2")
    }

    /// A GetObject request.
    pub fn is_get_object(&self) -> bool {
        self.method == "GET" && !self.target.contains('?') && self.target.matches('/').count() > 1
            || self.method == "GET" && self.target.contains("x-id=GetObject")
    }

    /// The `prefix=` of a list request.
    pub fn prefix(&self) -> Option<&str> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| kv.strip_prefix("prefix="))
    }
}

#[derive(Default)]
struct Rules {
    deny: Option<String>,
    gone: Option<String>,
    cut_after: Option<usize>,
    page_rows: Option<usize>,
    change: Option<String>,
    throttle: Option<(String, usize)>,
}

/// The forwarder.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    rules: Arc<Mutex<Rules>>,
    stopped: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts forwarding to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(Mutex::new(Rules::default()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (s, r, st) = (seen.clone(), rules.clone(), stopped.clone());
        std::thread::Builder::new()
            .name("test-proxy".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if st.load(Ordering::SeqCst) {
                        break; // the listener is dropped: connections are refused
                    }
                    let Ok(conn) = conn else { continue };
                    let (s, r, st, up) = (s.clone(), r.clone(), st.clone(), upstream.clone());
                    std::thread::Builder::new()
                        .name("test-proxy-conn".into())
                        .spawn(move || serve(conn, &up, &s, &r, &st))
                        .unwrap();
                }
            })
            .unwrap();
        Proxy {
            url,
            seen,
            rules,
            stopped,
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets the requests so far.
    pub fn reset(&self) {
        self.seen.lock().unwrap().clear();
    }

    /// Answers 403 AccessDenied for keys and list prefixes starting with `prefix`.
    pub fn deny(&self, prefix: &str) {
        self.rules.lock().unwrap().deny = Some(prefix.to_owned());
    }

    /// Answers 404 NoSuchKey for GETs of keys starting with `prefix` (objects deleted after
    /// they were listed).
    pub fn gone(&self, prefix: &str) {
        self.rules.lock().unwrap().gone = Some(prefix.to_owned());
    }

    /// Answers the next `times` GETs of keys starting with `prefix` with 503 SlowDown, as S3
    /// does when a prefix is read too fast.
    pub fn throttle(&self, prefix: &str, times: usize) {
        self.rules.lock().unwrap().throttle = Some((prefix.to_owned(), times));
    }

    /// Before the first GET of a key starting with `prefix`, writes new content to that key in
    /// the server (a new ETag): the object changed between the listing and the download.
    pub fn change_before_get(&self, prefix: &str) {
        self.rules.lock().unwrap().change = Some(prefix.to_owned());
    }

    /// Stops for good once an object body has sent `bytes` bytes.
    pub fn stop_after(&self, bytes: usize) {
        self.rules.lock().unwrap().cut_after = Some(bytes);
    }

    /// Answers Athena's GetQueryResults `rows` rows a page (moto answers in one page), with a
    /// NextToken of the proxy's own for the rest: what Athena does with more than 1,000 rows.
    pub fn page_results(&self, rows: usize) {
        self.rules.lock().unwrap().page_rows = Some(rows);
    }

    /// Whether the proxy has stopped.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one request (head and body); `None` at the end of the connection.
fn read_request(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut tmp = [0u8; 16384];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = conn.read(&mut tmp).ok().filter(|&n| n > 0)?;
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        let n = conn.read(&mut tmp).ok().filter(|&n| n > 0)?;
        buf.extend_from_slice(&tmp[..n]);
    }
    let body = buf[end..end + len].to_vec();
    buf.drain(..end + len);
    Some((head, body))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn serve(
    mut conn: TcpStream,
    upstream: &str,
    seen: &Mutex<Vec<Seen>>,
    rules: &Mutex<Rules>,
    stopped: &AtomicBool,
) {
    let mut buf = Vec::new();
    while let Some((head, body)) = read_request(&mut conn, &mut buf) {
        if stopped.load(Ordering::SeqCst) {
            break;
        }
        let first = head.lines().next().unwrap_or_default().to_owned();
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = decode(parts.next().unwrap_or_default());
        let access_key = header(&head, "authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let s = Seen {
            method,
            target,
            access_key,
            target_op: header(&head, "x-amz-target").unwrap_or_default().to_owned(),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        seen.lock().unwrap().push(s.clone());
        if let Some(answer) = refused(&s, &head, rules, upstream) {
            if conn.write_all(&answer).is_err() {
                break;
            }
            continue;
        }
        let page_rows = rules.lock().unwrap().page_rows;
        let paged = page_rows.filter(|_| s.target_op == "AmazonAthena.GetQueryResults");
        let (head, body, page) = if paged.is_some() {
            page_request(head, body)
        } else {
            (head, body, 0)
        };
        // Forward with `Connection: close`, read the whole answer.
        let mut out = String::new();
        for line in head.trim_end().lines() {
            if !line.to_ascii_lowercase().starts_with("connection:") {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        out.push_str("Connection: close\r\n\r\n");
        let Ok(mut up) = TcpStream::connect(upstream) else {
            break;
        };
        if up.write_all(out.as_bytes()).is_err() || up.write_all(&body).is_err() {
            break;
        }
        let mut resp = Vec::new();
        if up.read_to_end(&mut resp).is_err() {
            break;
        }
        let cut = rules.lock().unwrap().cut_after;
        if let (Some(n), true) = (cut, s.is_get_object()) {
            let head_end = resp
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |p| p + 4);
            let upto = (head_end + n).min(resp.len());
            conn.write_all(&resp[..upto]).ok();
            conn.flush().ok();
            stopped.store(true, Ordering::SeqCst);
            // Wake the accept loop so that it drops the listener.
            let port = conn.local_addr().map(|a| a.port()).unwrap_or(0);
            TcpStream::connect(("127.0.0.1", port)).ok();
            conn.shutdown(Shutdown::Both).ok();
            return;
        }
        if let Some(n) = paged {
            resp = one_page(&resp, page, n);
        }
        let keep = String::from_utf8_lossy(&resp[..resp.len().min(4096)])
            .to_ascii_lowercase()
            .contains("content-length:");
        if conn.write_all(&resp).is_err() || !keep {
            break;
        }
    }
    conn.shutdown(Shutdown::Both).ok();
}

/// Page `page` of `rows` rows of a GetQueryResults answer, with a NextToken when more follow.
fn one_page(resp: &[u8], page: usize, rows: usize) -> Vec<u8> {
    let head_end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| p + 4);
    let mut v: serde_json::Value = serde_json::from_slice(&resp[head_end..]).unwrap();
    let all = v["ResultSet"]["Rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let part: Vec<serde_json::Value> = all.iter().skip(page * rows).take(rows).cloned().collect();
    v["ResultSet"]["Rows"] = serde_json::Value::Array(part);
    let obj = v.as_object_mut().unwrap();
    obj.remove("NextToken");
    if (page + 1) * rows < all.len() {
        obj.insert("NextToken".into(), format!("test-page-{}", page + 1).into());
    }
    let body = v.to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A GetQueryResults request for one of the proxy's pages: the page number from its NextToken,
/// and the request without it (moto is asked for the whole result).
fn page_request(head: String, body: Vec<u8>) -> (String, Vec<u8>, usize) {
    let mut q: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let page = q
        .get("NextToken")
        .and_then(|t| t.as_str())
        .map_or(0, |t| t.trim_start_matches("test-page-").parse().unwrap());
    q.as_object_mut().unwrap().remove("NextToken");
    let body = q.to_string().into_bytes();
    let head = head
        .lines()
        .map(|l| {
            if l.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {}", body.len())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    (head, body, page)
}

/// Writes new content at `path` (`/bucket/key`) straight to the server, with the credentials
/// of the request it came with (moto reads the account from them; it checks no signature).
fn overwrite(upstream: &str, path: &str, authorization: &str) {
    let body = "changed after the listing\n";
    let mut up = TcpStream::connect(upstream).unwrap();
    write!(
        up,
        "PUT {path} HTTP/1.1\r\nHost: {upstream}\r\nAuthorization: {authorization}\r\n\
         x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    up.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

/// An S3 error answer: `status` (`403 Forbidden`) and its error code (`AccessDenied`).
fn refusal(status: &str, code: &str) -> Vec<u8> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{code}</Message></Error>"
    );
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
        xml.len()
    )
    .into_bytes()
}

/// The proxy's own answer to a request its rules refuse (access denied, deleted, slowed down),
/// or `None` to forward it; an object to change before its GET is changed here.
fn refused(s: &Seen, head: &str, rules: &Mutex<Rules>, upstream: &str) -> Option<Vec<u8>> {
    let (deny, gone) = {
        let r = rules.lock().unwrap();
        (r.deny.clone(), r.gone.clone())
    };
    let key = s.target.split('?').next().unwrap_or_default();
    let key = key.splitn(3, '/').nth(2).unwrap_or_default();
    let denied = deny.as_ref().is_some_and(|d| {
        s.prefix().is_some_and(|p| p.starts_with(d.as_str()))
            || (!s.is_list() && key.starts_with(d.as_str()))
    });
    let missing = gone
        .as_ref()
        .is_some_and(|g| s.is_get_object() && key.starts_with(g.as_str()));
    let throttled = s.is_get_object() && {
        let mut r = rules.lock().unwrap();
        match &mut r.throttle {
            Some((p, n)) if *n > 0 && key.starts_with(p.as_str()) => {
                *n -= 1;
                true
            }
            _ => false,
        }
    };
    if denied || missing || throttled {
        return Some(if throttled {
            refusal("503 Slow Down", "SlowDown")
        } else if denied {
            refusal("403 Forbidden", "AccessDenied")
        } else {
            refusal("404 Not Found", "NoSuchKey")
        });
    }
    let change = rules.lock().unwrap().change.clone();
    if let Some(c) = change
        && s.is_get_object()
        && key.starts_with(c.as_str())
    {
        rules.lock().unwrap().change = None;
        let auth = header(head, "authorization").unwrap_or_default();
        overwrite(
            upstream,
            s.target.split('?').next().unwrap_or_default(),
            auth,
        );
    }
    None
}
