//! A small W3C WebDriver client for the console's browser tests: it starts `chromedriver` on a free loopback port,
//! opens one headless Chromium session with a fresh profile, and speaks the protocol's JSON over reqwest.
//!
//! Only what the tests use is here: navigation, elements by CSS selector (text, attributes, clicks, typing),
//! scripts, the page source, the window size, screenshots and cookies. Errors name the WebDriver error code, so a
//! failing step says "no such element" rather than a bare HTTP status.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// Environment variable naming the chromedriver binary (default: `chromedriver` on the `PATH`).
pub const CHROMEDRIVER_ENV: &str = "HEALTHBOOK_CHROMEDRIVER";
/// Environment variable naming the Chromium binary (default: `chromium` on the `PATH`, else chromedriver's choice).
pub const CHROMIUM_ENV: &str = "HEALTHBOOK_CHROMIUM";

/// The key under which WebDriver returns an element reference.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long chromedriver may take to answer its status request after starting.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// Upper bound on one command; a page load of the console takes milliseconds.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The error codes of the W3C WebDriver specification (§6.6), as the driver names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// `element click intercepted`.
    ElementClickIntercepted,
    /// `element not interactable`.
    ElementNotInteractable,
    /// `insecure certificate`.
    InsecureCertificate,
    /// `invalid argument`.
    InvalidArgument,
    /// `invalid cookie domain`.
    InvalidCookieDomain,
    /// `invalid element state`.
    InvalidElementState,
    /// `invalid selector`.
    InvalidSelector,
    /// `invalid session id`.
    InvalidSessionId,
    /// `javascript error`.
    JavascriptError,
    /// `move target out of bounds`.
    MoveTargetOutOfBounds,
    /// `no such alert`.
    NoSuchAlert,
    /// `no such cookie`.
    NoSuchCookie,
    /// `no such element`.
    NoSuchElement,
    /// `no such frame`.
    NoSuchFrame,
    /// `no such window`.
    NoSuchWindow,
    /// `script timeout`.
    ScriptTimeout,
    /// `session not created`.
    SessionNotCreated,
    /// `stale element reference`.
    StaleElementReference,
    /// `timeout`.
    Timeout,
    /// `unable to set cookie`.
    UnableToSetCookie,
    /// `unable to capture screen`.
    UnableToCaptureScreen,
    /// `unexpected alert open`.
    UnexpectedAlertOpen,
    /// `unknown command`.
    UnknownCommand,
    /// `unknown error`.
    UnknownError,
    /// `unknown method`.
    UnknownMethod,
    /// `unsupported operation`.
    UnsupportedOperation,
    /// A code outside the specification.
    Other(String),
}

impl ErrorCode {
    const NAMED: [(&'static str, ErrorCode); 25] = [
        ("element click intercepted", ErrorCode::ElementClickIntercepted),
        ("element not interactable", ErrorCode::ElementNotInteractable),
        ("insecure certificate", ErrorCode::InsecureCertificate),
        ("invalid argument", ErrorCode::InvalidArgument),
        ("invalid cookie domain", ErrorCode::InvalidCookieDomain),
        ("invalid element state", ErrorCode::InvalidElementState),
        ("invalid selector", ErrorCode::InvalidSelector),
        ("invalid session id", ErrorCode::InvalidSessionId),
        ("javascript error", ErrorCode::JavascriptError),
        ("move target out of bounds", ErrorCode::MoveTargetOutOfBounds),
        ("no such alert", ErrorCode::NoSuchAlert),
        ("no such cookie", ErrorCode::NoSuchCookie),
        ("no such element", ErrorCode::NoSuchElement),
        ("no such frame", ErrorCode::NoSuchFrame),
        ("no such window", ErrorCode::NoSuchWindow),
        ("script timeout", ErrorCode::ScriptTimeout),
        ("session not created", ErrorCode::SessionNotCreated),
        ("stale element reference", ErrorCode::StaleElementReference),
        ("timeout", ErrorCode::Timeout),
        ("unable to set cookie", ErrorCode::UnableToSetCookie),
        ("unable to capture screen", ErrorCode::UnableToCaptureScreen),
        ("unexpected alert open", ErrorCode::UnexpectedAlertOpen),
        ("unknown command", ErrorCode::UnknownCommand),
        ("unknown error", ErrorCode::UnknownError),
        ("unknown method", ErrorCode::UnknownMethod),
    ];

    /// The code for the driver's `error` string.
    pub fn parse(name: &str) -> Self {
        if name == "unsupported operation" {
            return Self::UnsupportedOperation;
        }
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| c.clone()).unwrap_or_else(|| Self::Other(name.into()))
    }

    /// The driver's name for it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::UnsupportedOperation => "unsupported operation",
            Self::Other(name) => name,
            known => Self::NAMED.iter().find(|(_, c)| c == known).map(|(n, _)| *n).unwrap_or("unknown error"),
        }
    }
}

/// What went wrong talking to the browser.
#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    /// chromedriver could not be started or never became ready.
    #[error("chromedriver did not start: {0}")]
    Launch(String),
    /// The HTTP exchange with chromedriver failed.
    #[error("request to chromedriver failed: {0}")]
    Transport(String),
    /// The driver answered with a WebDriver error.
    #[error("webdriver error \"{}\" (HTTP {status}): {message}", code.as_str())]
    Command {
        /// HTTP status of the reply.
        status: u16,
        /// The WebDriver error code.
        code: ErrorCode,
        /// The driver's message (first line; the stack trace is dropped).
        message: String,
    },
    /// The reply was not the JSON the protocol describes.
    #[error("malformed webdriver reply (HTTP {status}): {detail}")]
    Protocol {
        /// HTTP status of the reply.
        status: u16,
        /// What was wrong with it.
        detail: String,
    },
}

impl WebDriverError {
    /// The WebDriver error code, when the driver sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Command { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Result of a WebDriver call.
pub type Result<T> = std::result::Result<T, WebDriverError>;

/// Reads a driver's reply: the `value` of a success, or the typed error of a failure.
pub fn parse_reply(status: u16, body: &[u8]) -> Result<Value> {
    let parsed: Value = serde_json::from_slice(body).map_err(|e| WebDriverError::Protocol {
        status,
        detail: format!("not JSON ({e}), {} bytes", body.len()),
    })?;
    let Some(value) = parsed.as_object().and_then(|o| o.get("value")) else {
        return Err(WebDriverError::Protocol { status, detail: "no \"value\" member".into() });
    };
    if let Some(error) = value.as_object().and_then(|o| o.get("error")).and_then(Value::as_str) {
        let message = value.get("message").and_then(Value::as_str).unwrap_or_default();
        return Err(WebDriverError::Command {
            status,
            code: ErrorCode::parse(error),
            message: message.lines().next().unwrap_or_default().to_owned(),
        });
    }
    if !(200..300).contains(&status) {
        return Err(WebDriverError::Protocol { status, detail: "error status without an error code".into() });
    }
    Ok(value.clone())
}

/// The new-session request: headless Chromium at `width`×`height` with its profile in `profile_dir`.
pub fn new_session_body(chromium: Option<&str>, width: u32, height: u32, profile_dir: &Path) -> Value {
    let mut options = json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile_dir.display()),
            // Nothing of the host's setup (sync, first-run pages, extensions) takes part in a test.
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--lang=vi",
        ],
    });
    if let Some(binary) = chromium {
        options["binary"] = json!(binary);
    }
    json!({
        "capabilities": {
            "alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:chromeOptions": options,
            }
        }
    })
}

/// The find-element(s) request for a CSS selector.
pub fn find_body(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

/// The element-send-keys request.
pub fn send_keys_body(text: &str) -> Value {
    json!({ "text": text })
}

/// The execute-script request (sync or async) with element or plain arguments.
pub fn script_body(script: &str, args: &[Value]) -> Value {
    json!({ "script": script, "args": args })
}

/// The element reference as a script argument.
pub fn element_arg(element: &Element) -> Value {
    json!({ ELEMENT_KEY: element.id })
}

/// The element id of a find reply.
pub fn element_id(value: &Value) -> Option<String> {
    value.get(ELEMENT_KEY).and_then(Value::as_str).map(str::to_owned)
}

/// A cookie as the browser reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Path attribute.
    pub path: Option<String>,
    /// HttpOnly attribute.
    pub http_only: bool,
    /// Secure attribute.
    pub secure: bool,
    /// SameSite attribute (`Strict`, `Lax`, `None`).
    pub same_site: Option<String>,
}

impl Cookie {
    /// Reads one cookie object of a reply.
    pub fn from_value(value: &Value) -> Option<Self> {
        Some(Self {
            name: value.get("name")?.as_str()?.to_owned(),
            value: value.get("value")?.as_str()?.to_owned(),
            path: value.get("path").and_then(Value::as_str).map(str::to_owned),
            http_only: value.get("httpOnly").and_then(Value::as_bool).unwrap_or(false),
            secure: value.get("secure").and_then(Value::as_bool).unwrap_or(false),
            same_site: value.get("sameSite").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

/// The chromedriver process; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An element found on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The driver's reference.
    pub id: String,
}

/// One headless Chromium session driven through chromedriver.
pub struct Browser {
    http: reqwest::Client,
    session_url: String,
    session_id: String,
    /// Set once the session was deleted ([`Browser::quit`]), so that Drop does not ask again.
    ended: bool,
    // Field order matters: the session ends (Drop) before chromedriver is killed, then the profile goes.
    driver: Driver,
    _profile: tempfile::TempDir,
}

/// Where a program is: the environment variable's value, else the first of `names` on the `PATH`.
fn locate(env: &str, names: &[&str]) -> Option<String> {
    if let Ok(path) = std::env::var(env) {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
        .map(|p| p.display().to_string())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| WebDriverError::Launch(format!("no free port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| WebDriverError::Launch(e.to_string()))
}

impl Browser {
    /// Starts chromedriver and a headless Chromium window of `width`×`height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Result<Self> {
        let chromedriver = locate(CHROMEDRIVER_ENV, &["chromedriver"]).ok_or_else(|| {
            WebDriverError::Launch(format!(
                "chromedriver not found on the PATH (install Debian's chromium-driver, as scripts/test.sh does, or set {CHROMEDRIVER_ENV})"
            ))
        })?;
        let chromium = locate(CHROMIUM_ENV, &["chromium", "chromium-browser"]);
        let profile = tempfile::tempdir().map_err(|e| WebDriverError::Launch(format!("profile directory: {e}")))?;
        let log = profile.path().join("chromedriver.log");
        let log_file = std::fs::File::create(&log).map_err(|e| WebDriverError::Launch(format!("driver log: {e}")))?;
        // A port picked then released can be taken by someone else in between; a second try covers that race.
        let mut profile = profile;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let output = |f: &std::fs::File| f.try_clone().map_err(|e| WebDriverError::Launch(e.to_string()));
            let child = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(output(&log_file)?)
                .stderr(output(&log_file)?)
                .spawn()
                .map_err(|e| WebDriverError::Launch(format!("{chromedriver}: {e}")))?;
            let driver = Driver { child, port, log: log.clone() };
            match Self::open_session(driver, chromium.as_deref(), width, height, profile).await {
                Ok(browser) => return Ok(browser),
                Err((WebDriverError::Launch(_), returned)) if attempt < 2 => profile = returned,
                Err((e, returned)) => return Err(Self::with_log(e, &returned.path().join("chromedriver.log"))),
            }
        }
    }

    fn with_log(error: WebDriverError, log: &Path) -> WebDriverError {
        let tail = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(15).collect();
        if tail.is_empty() {
            return error;
        }
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        match error {
            WebDriverError::Launch(m) => WebDriverError::Launch(format!("{m}; chromedriver's log ends with:\n{}", tail.join("\n"))),
            other => other,
        }
    }

    async fn open_session(
        mut driver: Driver,
        chromium: Option<&str>,
        width: u32,
        height: u32,
        profile: tempfile::TempDir,
    ) -> std::result::Result<Self, (WebDriverError, tempfile::TempDir)> {
        let http = match reqwest::Client::builder().timeout(COMMAND_TIMEOUT).no_proxy().build() {
            Ok(http) => http,
            Err(e) => return Err((WebDriverError::Transport(e.to_string()), profile)),
        };
        let base = format!("http://127.0.0.1:{}", driver.port);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                let log = driver.log.display().to_string();
                return Err((WebDriverError::Launch(format!("chromedriver exited with {status} (log {log})")), profile));
            }
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(response) => response.json::<Value>().await.ok().is_some_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                break;
            }
            if started.elapsed() > DRIVER_START_TIMEOUT {
                return Err((WebDriverError::Launch(format!("not ready after {DRIVER_START_TIMEOUT:?}")), profile));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let body = new_session_body(chromium, width, height, profile.path());
        let reply = match Self::send(&http, reqwest::Method::POST, &format!("{base}/session"), Some(&body)).await {
            Ok(reply) => reply,
            Err(e) => return Err((e, profile)),
        };
        let Some(session_id) = reply.get("sessionId").and_then(Value::as_str).map(str::to_owned) else {
            return Err((WebDriverError::Protocol { status: 200, detail: "new session without a sessionId".into() }, profile));
        };
        Ok(Self { http, session_url: format!("{base}/session/{session_id}"), session_id, ended: false, driver, _profile: profile })
    }

    async fn send(http: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<&Value>) -> Result<Value> {
        let mut request = http.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| WebDriverError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| WebDriverError::Transport(e.to_string()))?;
        parse_reply(status, &bytes)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        Self::send(&self.http, reqwest::Method::GET, &format!("{}{path}", self.session_url), None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        Self::send(&self.http, reqwest::Method::POST, &format!("{}{path}", self.session_url), Some(&body)).await
    }

    async fn delete(&self, path: &str) -> Result<Value> {
        Self::send(&self.http, reqwest::Method::DELETE, &format!("{}{path}", self.session_url), None).await
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    /// The URL of the page shown.
    pub async fn current_url(&self) -> Result<String> {
        let value = self.get("/url").await?;
        value.as_str().map(str::to_owned).ok_or_else(|| WebDriverError::Protocol { status: 200, detail: "URL not a string".into() })
    }

    /// The page's title.
    pub async fn title(&self) -> Result<String> {
        Ok(self.get("/title").await?.as_str().unwrap_or_default().to_owned())
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> Result<Element> {
        let value = self.post("/element", find_body(css)).await?;
        element_id(&value)
            .map(|id| Element { id })
            .ok_or_else(|| WebDriverError::Protocol { status: 200, detail: "find reply without an element".into() })
    }

    /// Every element matching `css`, in document order.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let value = self.post("/elements", find_body(css)).await?;
        Ok(value.as_array().map(|items| items.iter().filter_map(element_id).map(|id| Element { id }).collect()).unwrap_or_default())
    }

    /// Every element matching `css` inside `parent`.
    pub async fn find_all_in(&self, parent: &Element, css: &str) -> Result<Vec<Element>> {
        let value = self.post(&format!("/element/{}/elements", parent.id), find_body(css)).await?;
        Ok(value.as_array().map(|items| items.iter().filter_map(element_id).map(|id| Element { id }).collect()).unwrap_or_default())
    }

    /// Whether some element matches `css`.
    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.find_all(css).await?.is_empty())
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> Result<String> {
        Ok(self.get(&format!("/element/{}/text", element.id)).await?.as_str().unwrap_or_default().to_owned())
    }

    /// The element's attribute `name` (`None` when absent).
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        Ok(self.get(&format!("/element/{}/attribute/{name}", element.id)).await?.as_str().map(str::to_owned))
    }

    /// The element's tag name, lower case.
    pub async fn tag_name(&self, element: &Element) -> Result<String> {
        Ok(self.get(&format!("/element/{}/name", element.id)).await?.as_str().unwrap_or_default().to_lowercase())
    }

    /// Clicks the element (and waits for a navigation it starts).
    pub async fn click(&self, element: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", element.id), json!({})).await.map(drop)
    }

    /// Empties an input or text area.
    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", element.id), json!({})).await.map(drop)
    }

    /// Types `text` into the element.
    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", element.id), send_keys_body(text)).await.map(drop)
    }

    /// Empties the field matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.clear(&element).await?;
        self.send_keys(&element, text).await
    }

    /// Clicks a link or button that loads another page, and waits until that page has loaded: the driver's own
    /// wait after a click does not cover a navigation that starts a moment later.
    pub async fn click_to_navigate(&self, element: &Element) -> Result<()> {
        self.mark_document().await?;
        self.click(element).await?;
        self.wait_new_document().await
    }

    /// Submits the form `form` as a user would by its submit button, or directly when it has none; then waits
    /// for the page that answers.
    pub async fn submit(&self, form: &Element) -> Result<()> {
        let buttons = self.find_all_in(form, "button[type=submit], input[type=submit], button:not([type])").await?;
        if let Some(button) = buttons.first() {
            return self.click_to_navigate(button).await;
        }
        // WebDriver has no submit command; HTMLFormElement.submit() navigates.
        self.mark_document().await?;
        self.execute("arguments[0].submit();", vec![element_arg(form)]).await?;
        self.wait_new_document().await
    }

    /// Leaves a mark on the current document, which the next document will not have.
    async fn mark_document(&self) -> Result<()> {
        self.execute("window.__healthbookOldDocument = true;", vec![]).await.map(drop)
    }

    /// Waits until a document without the mark has loaded.
    async fn wait_new_document(&self) -> Result<()> {
        let started = Instant::now();
        loop {
            match self.execute("return window.__healthbookOldDocument === undefined && document.readyState === 'complete';", vec![]).await {
                Ok(Value::Bool(true)) => return Ok(()),
                // During the navigation the old document may be gone; ask again.
                Ok(_) | Err(WebDriverError::Command { .. }) => {}
                Err(e) => return Err(e),
            }
            if started.elapsed() > COMMAND_TIMEOUT {
                return Err(WebDriverError::Command { status: 500, code: ErrorCode::Timeout, message: "no new page loaded".into() });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the document has loaded (after a navigation that a script started).
    pub async fn wait_ready(&self) -> Result<()> {
        let started = Instant::now();
        loop {
            match self.execute("return document.readyState;", vec![]).await {
                Ok(state) if state == json!("complete") => return Ok(()),
                // During the navigation the old document may be gone; ask again.
                Ok(_) | Err(WebDriverError::Command { .. }) => {}
                Err(e) => return Err(e),
            }
            if started.elapsed() > COMMAND_TIMEOUT {
                return Err(WebDriverError::Command { status: 500, code: ErrorCode::Timeout, message: "page never loaded".into() });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", script_body(script, &args)).await
    }

    /// Runs `script` asynchronously: it ends by calling `arguments[arguments.length - 1](result)`.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/async", script_body(script, &args)).await
    }

    /// The page's HTML as the browser serialises it.
    pub async fn source(&self) -> Result<String> {
        Ok(self.get("/source").await?.as_str().unwrap_or_default().to_owned())
    }

    /// Resizes the window (outer size, in CSS pixels).
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height })).await.map(drop)
    }

    /// The viewport's inner width and height, as the page sees them.
    pub async fn viewport(&self) -> Result<(u64, u64)> {
        let value = self.execute("return [window.innerWidth, window.innerHeight];", vec![]).await?;
        Ok((value[0].as_u64().unwrap_or(0), value[1].as_u64().unwrap_or(0)))
    }

    /// A PNG screenshot of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.get("/screenshot").await?;
        let encoded = value.as_str().ok_or_else(|| WebDriverError::Protocol { status: 200, detail: "screenshot not a string".into() })?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| WebDriverError::Protocol { status: 200, detail: format!("screenshot not base64: {e}") })
    }

    /// Every cookie visible to the current page (HttpOnly ones included).
    pub async fn cookies(&self) -> Result<Vec<Cookie>> {
        let value = self.get("/cookie").await?;
        Ok(value.as_array().map(|items| items.iter().filter_map(Cookie::from_value).collect()).unwrap_or_default())
    }

    /// The cookie `name` of the current page, if set.
    pub async fn cookie(&self, name: &str) -> Result<Option<Cookie>> {
        match self.get(&format!("/cookie/{name}")).await {
            Ok(value) => Ok(Cookie::from_value(&value)),
            Err(WebDriverError::Command { code: ErrorCode::NoSuchCookie, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A `Cookie:` request header with every cookie of the current page, for fetching what the page links to
    /// outside the browser (downloads).
    pub async fn cookie_header(&self) -> Result<String> {
        Ok(self.cookies().await?.iter().map(|c| format!("{}={}", c.name, c.value)).collect::<Vec<_>>().join("; "))
    }

    /// Deletes every cookie of the current page's domain.
    pub async fn delete_cookies(&self) -> Result<()> {
        self.delete("/cookie").await.map(drop)
    }

    /// Ends the session and stops the browser and the driver.
    pub async fn quit(mut self) -> Result<()> {
        let result = self.delete("").await.map(drop);
        self.ended = result.is_ok();
        drop(self);
        result
    }
}

impl Drop for Browser {
    /// Ends the session with a plain blocking request, so that Chromium exits even when a test panicked (an
    /// async request cannot run in Drop); a session already ended answers with an error, which is ignored.
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session_id, self.driver.port
        );
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.driver.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            if stream.write_all(request.as_bytes()).is_ok() {
                // The driver answers once the browser is closed; the first bytes of the answer are enough (it may
                // keep the connection open after them).
                let mut reply = [0u8; 512];
                let _ = stream.read(&mut reply);
            }
        }
    }
}
