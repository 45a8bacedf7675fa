//! Browser tests: headless Chromium, driven through chromedriver with thirtyfour, against the
//! demo app served from this process. The window is phone-sized on purpose: the pages must
//! work on a phone.
//!
//! Each test starts its own chromedriver (on a free port) and its own browser profile, and
//! the tests take turns, because two cores do not run three Chromiums and servers well.
//! Without Chromium and chromedriver the tests are skipped, except in CI (`CI=true`).

// A test fails by panicking: unwrap and expect say where (clippy.toml allows them in unit
// tests; these integration-test crates say it here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod a11y;
mod dashboards;
#[path = "../api/helpers.rs"]
mod helpers;
mod office;
mod settlement;
mod stock;
mod suppliers;
mod tenders;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use portal::auth::Role;
use portal::i18n::Locale;
use tempfile::TempDir;
use thirtyfour::prelude::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox", // CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    // The machine has no internet: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=390,844",
];

/// How long a page may take to show what a test waits for (argon2 in a debug build is slow).
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);
/// How long chromedriver may take to answer its `/status`.
const DRIVER_START: Duration = Duration::from_secs(20);

type Failure = Box<dyn std::error::Error + Send + Sync>;
type TestResult<T = ()> = Result<T, Failure>;

/// One browser test at a time (see the module comment).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_signs_in_and_sees_its_home_page_in_both_languages() {
    in_browser("each_role", async |driver, app: &helpers::TestApp| {
        let address = app.address.clone();
        // Cookies can only be deleted on a page of the app's own origin.
        driver.goto(format!("{address}/login")).await?;
        for role in Role::ALL {
            for locale in Locale::ALL {
                let ctx = format!("{} in {}", role.as_str(), locale.tag());
                driver.delete_all_cookies().await?;
                sign_in(
                    &driver,
                    &address,
                    locale,
                    role.as_str(),
                    helpers::DEMO_PASSWORD,
                )
                .await?;

                let title = wait_for_home(&driver)
                    .await
                    .map_err(|e| format!("{ctx}: {e}"))?;
                let expected = expected_home_title(locale, role);
                assert_eq!(title.text().await?, expected, "{ctx}: #page-title");
                assert_body(&driver, role.as_str(), locale.tag(), &ctx).await?;

                sign_out(&driver).await.map_err(|e| format!("{ctx}: {e}"))?;
                let path = driver.current_url().await?.path().to_string();
                assert_eq!(path, "/login", "{ctx}: the page after signing out");
                assert_body(&driver, "", locale.tag(), &format!("{ctx}, signed out")).await?;
            }
        }
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switcher_changes_the_page_language() {
    in_browser(
        "language_switcher",
        async |driver, app: &helpers::TestApp| {
            let address = app.address.clone();
            sign_in(
                &driver,
                &address,
                Locale::ZhCn,
                "admin",
                helpers::DEMO_PASSWORD,
            )
            .await?;
            let title = wait_for_home(&driver).await?;
            assert_eq!(
                title.text().await?,
                expected_home_title(Locale::ZhCn, Role::Admin)
            );
            assert_body(&driver, "admin", "zh-CN", "admin before switching").await?;

            let switch = driver
                .find(By::Css(r#"a.lang-switch[data-lang="en"]"#))
                .await?;
            switch.click().await?;
            wait_for_element(&driver, r#"body[data-lang="en"]"#).await?;

            let title = wait_for_element(&driver, "#page-title").await?;
            assert_eq!(
                title.text().await?,
                expected_home_title(Locale::En, Role::Admin)
            );
            assert_body(&driver, "admin", "en", "admin after switching to English").await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_an_error_beside_the_form() {
    in_browser("wrong_password", async |driver, app: &helpers::TestApp| {
        let address = app.address.clone();
        sign_in(&driver, &address, Locale::En, "admin", "not-the-password").await?;

        let message = wait_until(&driver, "a .form-error with text", async || {
            form_error(&driver).await
        })
        .await?;
        eprintln!("the error shown for a wrong password: {message:?}");

        for form_part in ["input[name=email]", "input[name=password]", "#login-submit"] {
            if let Err(e) = driver.find(By::Css(form_part)).await {
                return Err(
                    format!("after a wrong password the page has no {form_part}: {e}").into(),
                );
            }
        }
        assert_body(&driver, "", "en", "after a wrong password").await?;
        Ok(())
    })
    .await;
}

/// `portal`'s own English or Chinese title of `role`'s home page.
fn expected_home_title(locale: Locale, role: Role) -> String {
    let key = format!("home-title-{}", role.as_str());
    let title = locale.t(&key);
    // `t` falls back to the key itself, which a page showing the key would match.
    assert_ne!(title, key, "no message {key} for {}", locale.tag());
    title
}

/// The language the journeys are done in: the portal's users read Chinese, on a phone.
pub(crate) const LANG: Locale = Locale::ZhCn;

/// Goes to a page as a user does: opens the menu (at phone width it folds behind a button)
/// and clicks the entry linking to `href`.
pub(crate) async fn open_menu(driver: &WebDriver, href: &str) -> TestResult {
    let button = wait_for_element(driver, "label.menu-button").await?;
    if button.is_displayed().await? {
        button.click().await?;
    }
    let link = wait_for_element(driver, &format!("nav#mainnav a[href=\"{href}\"]")).await?;
    link.scroll_into_view().await?;
    link.click().await?;
    wait_for_path(driver, href).await
}

/// Follows the first link on the page to `href` (a list's row, a home page's work queue).
pub(crate) async fn follow_link(driver: &WebDriver, href: &str) -> TestResult {
    let link = wait_for_element(driver, &format!("main a[href=\"{href}\"]")).await?;
    link.scroll_into_view().await?;
    link.click().await?;
    let path = href.split(['?', '#']).next().unwrap_or(href);
    wait_for_path(driver, path).await
}

/// After a submit the portal refused: the error summary at the top links to the field
/// `field_id`, the field is marked invalid and described by its message, and it still holds
/// what was typed. Keeps a screenshot of the refused form.
pub(crate) async fn expect_refused(driver: &WebDriver, field_id: &str, typed: &str) -> TestResult {
    let field = expect_summary_links(driver, field_id).await?;
    assert_eq!(
        field.attr("aria-invalid").await?.as_deref(),
        Some("true"),
        "#{field_id} is marked invalid"
    );
    let described = field.attr("aria-describedby").await?.unwrap_or_default();
    let mut message = String::new();
    for id in described.split_whitespace() {
        message.push_str(&driver.find(By::Id(id)).await?.text().await?);
    }
    assert!(
        !message.trim().is_empty(),
        "#{field_id}'s error message beside it (aria-describedby {described:?})"
    );
    let kept = field.prop("value").await?.unwrap_or_default();
    assert_eq!(kept, typed, "#{field_id} keeps what was typed");
    eprintln!("#{field_id} = {typed:?} refused: {message:?}");
    Ok(())
}

/// Waits for the error summary of a refused form to link to the field `field_id` (a box not
/// ticked, say) and answers the field. Keeps a screenshot of the refused form.
pub(crate) async fn expect_summary_links(
    driver: &WebDriver,
    field_id: &str,
) -> TestResult<WebElement> {
    let link = format!(".error-summary a[href=\"#{field_id}\"]");
    wait_for_element(driver, &link)
        .await
        .map_err(|e| format!("no error summary linking to #{field_id}: {e}"))?;
    keep_step(driver, &format!("refused {field_id}")).await;
    Ok(driver.find(By::Id(field_id)).await?)
}

/// Clicks `css` on a page that showed a refused form, and waits until that page has gone:
/// until then its error summary would be taken for the answer to this submit.
pub(crate) async fn resubmit(driver: &WebDriver, css: &str) -> TestResult {
    let refused = driver.find(By::Css(".error-summary")).await?;
    let button = wait_for_element(driver, css).await?;
    button.scroll_into_view().await?;
    button.click().await?;
    wait_until(driver, "the refused page to give way", async || {
        Ok((!refused.is_present().await?).then_some(()))
    })
    .await
}

/// Chooses the language, then fills and submits the sign-in form; does not wait for the answer.
async fn sign_in(
    driver: &WebDriver,
    address: &str,
    locale: Locale,
    role: &str,
    password: &str,
) -> TestResult {
    driver
        .goto(format!("{address}/lang/{}?next=/login", locale.tag()))
        .await?;
    wait_for_path(driver, "/login").await?;
    let email = wait_for_element(driver, "input[name=email]").await?;
    email.send_keys(format!("{role}@demo.test")).await?;
    let password_input = driver.find(By::Css("input[name=password]")).await?;
    password_input.send_keys(password).await?;
    let submit = driver
        .find(By::Css(r#"button#login-submit[type="submit"]"#))
        .await?;
    submit.click().await?;
    Ok(())
}

/// Clicks the sign-out button and waits for the sign-in page.
async fn sign_out(driver: &WebDriver) -> TestResult {
    let button = wait_for_element(driver, "form#logout-form #logout-submit").await?;
    button.click().await?;
    wait_for_path(driver, "/login").await
}

/// Waits for the home page (path `/` with an `#page-title`) and returns the title; fails at
/// once when the sign-in page shows an error instead.
async fn wait_for_home(driver: &WebDriver) -> TestResult<WebElement> {
    let outcome = wait_until(driver, "the home page, / with #page-title", async || {
        let path = driver.current_url().await?.path().to_string();
        if path == "/login"
            && let Some(error) = form_error(driver).await?
        {
            return Ok(Some(Err(error)));
        }
        if path != "/" {
            return Ok(None);
        }
        Ok(Some(Ok(driver.find(By::Css("#page-title")).await?)))
    })
    .await?;
    keep_step(driver, "home").await;
    outcome.map_err(|error| format!("signing in failed, the page says: {error:?}").into())
}

/// The text of the first `.form-error` that has some.
async fn form_error(driver: &WebDriver) -> WebDriverResult<Option<String>> {
    for error in driver.find_all(By::Css(".form-error")).await? {
        let text = error.text().await?;
        if !text.trim().is_empty() {
            return Ok(Some(text));
        }
    }
    Ok(None)
}

async fn wait_for_path(driver: &WebDriver, path: &str) -> TestResult {
    wait_until(driver, &format!("the path {path}"), async || {
        Ok((driver.current_url().await?.path() == path).then_some(()))
    })
    .await?;
    keep_step(driver, path).await;
    Ok(())
}

/// Where each step of the journeys is kept as a screenshot: `<target>/tmp/journeys/<test>/`,
/// numbered in order (CI keeps the folder; the README names it).
fn journeys_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("journeys")
}

/// The test whose steps are being kept, and how many it has kept (tests take turns).
static JOURNEY: std::sync::Mutex<(String, usize)> = std::sync::Mutex::new((String::new(), 0));

/// A screenshot of the page a journey has reached (each page a test waits for is a step).
async fn keep_step(driver: &WebDriver, what: &str) {
    let (test, n) = {
        let mut j = JOURNEY.lock().unwrap_or_else(|e| e.into_inner());
        j.1 += 1;
        (j.0.clone(), j.1)
    };
    if test.is_empty() {
        return;
    }
    let name: String = what
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let folder = journeys_folder().join(&test);
    let path = folder.join(format!("{n:02}-{}.png", name.trim_matches('_')));
    if std::fs::create_dir_all(&folder).is_ok()
        && let Err(e) = driver.screenshot(&path).await
    {
        eprintln!("no screenshot of step {n}: {e}");
    }
}

async fn wait_for_element(driver: &WebDriver, css: &str) -> TestResult<WebElement> {
    wait_until(driver, css, async || {
        Ok(Some(driver.find(By::Css(css)).await?))
    })
    .await
}

/// Asks `probe` every `POLL` until it gives `Some`, for at most `WAIT`. An error from `probe`
/// (an element not there yet, or gone with the page it was on) counts as "not yet".
async fn wait_until<T>(
    driver: &WebDriver,
    what: &str,
    mut probe: impl AsyncFnMut() -> WebDriverResult<Option<T>>,
) -> TestResult<T> {
    let start = Instant::now();
    let mut last_error = None;
    loop {
        match probe().await {
            Ok(Some(found)) => {
                a11y::check_page(driver).await;
                return Ok(found);
            }
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if start.elapsed() > WAIT {
            let mut message = format!("waited {WAIT:?} for {what}");
            if let Some(e) = last_error {
                message.push_str(&format!("; last error: {e}"));
            }
            message.push_str(&describe_page(driver).await);
            return Err(message.into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The current URL and the start of the page's text, for failure messages.
async fn describe_page(driver: &WebDriver) -> String {
    let url = match driver.current_url().await {
        Ok(url) => url.to_string(),
        Err(e) => format!("(unknown: {e})"),
    };
    let text = match driver.find(By::Tag("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text: String = text.chars().take(600).collect();
    format!("\n  at {url}\n  page text: {text:?}")
}

/// The `<body>`'s `data-role` and `data-lang`.
async fn assert_body(driver: &WebDriver, role: &str, lang: &str, ctx: &str) -> TestResult {
    let body = driver.find(By::Tag("body")).await?;
    let data_role = body.attr("data-role").await?;
    let data_lang = body.attr("data-lang").await?;
    assert_eq!(data_role.as_deref(), Some(role), "{ctx}: body data-role");
    assert_eq!(data_lang.as_deref(), Some(lang), "{ctx}: body data-lang");
    Ok(())
}

/// Runs `test` with a browser on the demo app at `address`. The browser quits before a
/// failure (an `Err` or a panic) is passed on, so that no Chromium outlives the test.
async fn in_browser(
    name: &str,
    test: impl AsyncFnOnce(WebDriver, &helpers::TestApp) -> TestResult,
) {
    let _turn = ONE_AT_A_TIME.lock().await;
    {
        let mut j = JOURNEY.lock().unwrap_or_else(|e| e.into_inner());
        *j = (name.to_string(), 0);
    }
    let _ = std::fs::remove_dir_all(journeys_folder().join(name));
    let Some(chromedriver_path) = browser_tools() else {
        return;
    };
    let app = helpers::spawn_demo_app().await;

    let work = TempDir::new().expect("a temporary folder");
    let chromedriver = match ChromeDriver::start(&chromedriver_path, work.path()).await {
        Ok(chromedriver) => chromedriver,
        Err(e) => panic!("starting chromedriver: {e}"),
    };
    let driver = match start_browser(&chromedriver.url, &work.path().join("profile")).await {
        Ok(driver) => driver,
        Err(e) => panic!(
            "starting Chromium through chromedriver: {e}{}",
            chromedriver.log_tail()
        ),
    };

    a11y::take_violations();
    let outcome = AssertUnwindSafe(test(driver.clone(), &app))
        .catch_unwind()
        .await;
    let violations = a11y::take_violations();
    let outcome = match outcome {
        Ok(Ok(())) if !violations.is_empty() => Ok(Err(format!(
            "the accessibility check found {} problem(s):\n  {}",
            violations.len(),
            violations.join("\n  ")
        )
        .into())),
        other => other,
    };
    if !matches!(outcome, Ok(Ok(()))) {
        save_screenshot(&driver, name).await;
    }
    if let Err(e) = driver.quit().await {
        eprintln!("quitting the browser: {e}");
    }
    drop(chromedriver);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{e}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A screenshot of a failed test, kept in cargo's temporary folder for tests.
async fn save_screenshot(driver: &WebDriver, name: &str) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}.png"));
    match driver.screenshot(&path).await {
        Ok(()) => eprintln!("screenshot of the failure: {}", path.display()),
        Err(e) => eprintln!("no screenshot of the failure: {e}"),
    }
}

/// chromedriver's path when Chromium and chromedriver are installed. Otherwise `None`
/// (skip the test), except in CI, where the tests must run.
fn browser_tools() -> Option<PathBuf> {
    let chromedriver = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromedriver"))
        .chain([PathBuf::from("/usr/bin/chromedriver")])
        .find(|path| path.is_file());
    match chromedriver {
        Some(chromedriver) if Path::new(CHROMIUM).is_file() => Some(chromedriver),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("browser tests must run in CI, but {CHROMIUM} or chromedriver is missing")
        }
        _ => {
            eprintln!("browser tests skipped: chromium/chromedriver not installed");
            None
        }
    }
}

async fn start_browser(chromedriver_url: &str, profile: &Path) -> WebDriverResult<WebDriver> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM)?;
    for arg in CHROMIUM_ARGS {
        caps.add_arg(arg)?;
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    WebDriver::new(chromedriver_url, caps).await
}

/// A chromedriver child process, ended (with the Chromium it started) when dropped,
/// also when a test panics.
struct ChromeDriver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ChromeDriver {
    async fn start(binary: &Path, work: &Path) -> TestResult<ChromeDriver> {
        let port = free_port()?;
        let log = work.join("chromedriver.log");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping it can end Chromium too.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut chromedriver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        chromedriver.wait_until_ready().await?;
        Ok(chromedriver)
    }

    async fn wait_until_ready(&mut self) -> TestResult {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let status = format!("{}/status", self.url);
        let start = Instant::now();
        loop {
            if let Ok(response) = client.get(&status).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if let Some(exit) = self.child.try_wait()? {
                return Err(format!("chromedriver ended: {exit}{}", self.log_tail()).into());
            }
            if start.elapsed() > DRIVER_START {
                let tail = self.log_tail();
                return Err(format!("no answer from {status} in {DRIVER_START:?}{tail}").into());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("\n  chromedriver log ({}):\n{tail}", self.log.display())
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The whole process group: chromedriver and any Chromium still running.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the listener is dropped before chromedriver binds it).
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
