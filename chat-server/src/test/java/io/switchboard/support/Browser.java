package io.switchboard.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, no download)
 * showing the chat page, with what a test does to it as a person would: type, click, read.
 */
public final class Browser implements AutoCloseable {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    /** Where screenshots go: the module's target/, kept after the run. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /**
     * Watches the status line's {@code data-status} from the page's load on (the page itself keeps
     * no history of it): each change's old value, so none is missed however fast they follow.
     */
    private static final String WATCH_STATUS = "const status = document.getElementById('connection');"
            + "const watch = window.statusWatch = {before: []};"
            + "watch.observer = new MutationObserver((records) => records.forEach((r) => watch.before.push(r.oldValue)));"
            + "watch.observer.observe(status, {attributeFilter: ['data-status'], attributeOldValue: true})";

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts a browser and opens the chat page at {@code url}; skips (or under CI=true fails) without Chromium. */
    public static Browser open(String url) {
        Browser browser = openPage(url);
        browser.script(WATCH_STATUS);
        return browser;
    }

    /** Starts a browser and opens any page at {@code url} (the operator console, ...). */
    public static Browser openPage(String url) {
        Command.require("chromium");
        Command.require("chromedriver");
        try {
            Path profile = Files.createTempDirectory("chromium-profile");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1100,760", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            driver.get(url);
            return new Browser(driver, profile);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills in the name and room and presses Join; returns once connected and joined. */
    public Browser enter(String name, String room) {
        WebElement nameField = driver.findElement(By.id("name"));
        nameField.clear();
        nameField.sendKeys(name);
        WebElement roomField = driver.findElement(By.id("room"));
        roomField.clear();
        roomField.sendKeys(room);
        driver.findElement(By.id("enter-button")).click();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(25))
                .untilAsserted(() -> assertThat("connected".equals(status())
                && driver.findElement(By.id("send")).isEnabled()).as(() -> "joined; status " + connectionText()).isTrue());
        return this;
    }

    /** Types a message and presses Enter. */
    public void say(String text) {
        WebElement field = driver.findElement(By.id("text"));
        field.sendKeys(text);
        field.sendKeys(Keys.ENTER);
    }

    /** Sends each text through the message form at once, faster than typing them. */
    public void sayAll(List<String> texts) {
        script("const text = document.getElementById('text');"
                + "for (const each of arguments[0]) { text.value = each; document.getElementById('compose').requestSubmit(); }",
                texts);
    }

    /** Types into the message field without sending (others see "... is typing"). */
    public void type(String text) {
        driver.findElement(By.id("text")).sendKeys(text);
    }

    /** The texts of the stored messages shown, top to bottom. */
    @SuppressWarnings("unchecked")
    public List<String> messages() {
        return (List<String>) script("return [...document.querySelectorAll('#messages li[data-offset] .text')]"
                + ".map(e => e.textContent)");
    }

    /** "sender: text" of the stored messages shown. */
    @SuppressWarnings("unchecked")
    public List<String> lines() {
        return (List<String>) script("return [...document.querySelectorAll('#messages li[data-offset]')]"
                + ".map(li => li.querySelector('.from').textContent + ': ' + li.querySelector('.text').textContent)");
    }

    /** Texts of messages sent here and not stored yet (shown greyed). */
    @SuppressWarnings("unchecked")
    public List<String> pending() {
        return (List<String>) script("return [...document.querySelectorAll('#messages li.pending .text')].map(e => e.textContent)");
    }

    /** Notices in the message list (history restarted, messages not recoverable). */
    @SuppressWarnings("unchecked")
    public List<String> notices() {
        return (List<String>) script("return [...document.querySelectorAll('#messages li.notice')].map(e => e.textContent)");
    }

    /** Names in the member list. */
    @SuppressWarnings("unchecked")
    public List<String> members() {
        return (List<String>) script("return [...document.querySelectorAll('#members li')].map(e => e.textContent)");
    }

    /** The connection status: idle, connecting, connected, reconnecting, offline. */
    public String status() {
        return driver.findElement(By.id("connection")).getAttribute("data-status");
    }

    /** What the status line says ("Connected", "Reconnecting (attempt 1) in 1 s…"). */
    public String connectionText() {
        return driver.findElement(By.id("connection")).getText();
    }

    /** Every connection status the status line showed since the page loaded, in order. */
    @SuppressWarnings("unchecked")
    public List<String> statusHistory() {
        return (List<String>) script("const watch = window.statusWatch;"
                + "watch.observer.takeRecords().forEach((r) => watch.before.push(r.oldValue));"
                + "return [...watch.before, document.getElementById('connection').dataset.status]");
    }

    /**
     * The globals the page put on {@code window}: those a blank page of the same browser does not
     * have, but for the driver's own (what Selenium's scripts leave, and this class's status watch).
     */
    @SuppressWarnings("unchecked")
    public List<String> pageGlobals() {
        return (List<String>) script("const blank = document.createElement('iframe');"
                + "document.body.append(blank);"
                + "const standard = new Set(Object.getOwnPropertyNames(blank.contentWindow));"
                + "blank.remove();"
                + "return Object.getOwnPropertyNames(window).filter((name) => !standard.has(name) && !arguments[0].includes(name))",
                List.of("ret_nodes", "se_exportedFunctionSymbol", "statusWatch"));
    }

    /** The banner's text, or "" while it is hidden. */
    public String banner() {
        WebElement banner = driver.findElement(By.id("banner"));
        return banner.isDisplayed() ? banner.getText() : "";
    }

    /** The typing line ("Bob is typing…"). */
    public String typing() {
        return driver.findElement(By.id("typing")).getText();
    }

    /** Clicks "Load older messages". */
    public void loadOlder() {
        driver.findElement(By.id("older")).click();
    }

    /** Whether "Load older messages" is shown. */
    public boolean canLoadOlder() {
        return driver.findElement(By.id("older")).isDisplayed();
    }

    public Object script(String javascript, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(javascript, arguments);
    }

    /** Resizes the window (e.g. to a phone's 390 x 844). */
    public void resize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
    }

    /** Joins (or creates) a room from the sidebar with the keyboard only: its name typed, then Enter. */
    public void joinRoom(String room) {
        WebElement field = driver.findElement(By.id("join-room"));
        field.sendKeys(room);
        field.sendKeys(Keys.ENTER);
    }

    /** Shows a room from the sidebar with the keyboard: its button focused, then Enter. */
    public void switchTo(String room) {
        driver.findElement(By.cssSelector("#rooms li[data-room='" + room + "'] button.room")).sendKeys(Keys.ENTER);
        await("showing " + room).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25)).until(() ->
                ("# " + room).equals(script("return document.getElementById('room-title').textContent")));
    }

    /** Leaves a room from the sidebar with the keyboard: its leave button focused, then Enter. */
    public void leaveRoom(String room) {
        driver.findElement(By.cssSelector("#rooms li[data-room='" + room + "'] button.leave")).sendKeys(Keys.ENTER);
    }

    /** The rooms in the sidebar, in its order. */
    @SuppressWarnings("unchecked")
    public List<String> rooms() {
        return (List<String>) script("return [...document.querySelectorAll('#rooms li')].map(li => li.dataset.room)");
    }

    /** Each room's unread count, as the sidebar shows it. */
    @SuppressWarnings("unchecked")
    public java.util.Map<String, Long> unread() {
        return (java.util.Map<String, Long>) script("return Object.fromEntries([...document.querySelectorAll('#rooms li')]"
                + ".map(li => [li.dataset.room, Number(li.dataset.unread ?? 0)]))");
    }

    /** Each sidebar room's head count, as the sidebar shows it (rooms whose count is not known yet left out). */
    @SuppressWarnings("unchecked")
    public java.util.Map<String, String> roomMembers() {
        return (java.util.Map<String, String>) script("return Object.fromEntries([...document.querySelectorAll('#rooms li')]"
                + ".filter(li => !li.querySelector('.room-members').hidden)"
                + ".map(li => [li.dataset.room, li.querySelector('.room-members').textContent]))");
    }

    /** The rooms the sidebar marks as mentioning the reader. */
    @SuppressWarnings("unchecked")
    public List<String> mentioned() {
        return (List<String>) script("return [...document.querySelectorAll('#rooms li.mentioned')].map(li => li.dataset.room)");
    }

    /** Runs {@code javascript} that calls its last argument with the answer, and returns that answer. */
    public Object asyncScript(String javascript, Object... arguments) {
        return driver.executeAsyncScript(javascript, arguments);
    }

    /** Makes the page see {@code prefers-color-scheme: light} or {@code dark}. */
    public void emulateColorScheme(String scheme) {
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                java.util.Map.of("features", List.of(java.util.Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /** Reloads the page (its address, local storage and cookies stay). */
    public void reload() {
        driver.navigate().refresh();
        script(WATCH_STATUS);
    }

    /** Clicks the element {@code css} selects. */
    public void click(String css) {
        driver.findElement(By.cssSelector(css)).click();
    }

    /** Answers the page's open {@code prompt} with {@code text} (null: a {@code confirm}), and accepts it. */
    public void answerDialog(String text) {
        var dialog = new org.openqa.selenium.support.ui.WebDriverWait(driver, Duration.ofSeconds(10))
                .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
        if (text != null) {
            dialog.sendKeys(text);
        }
        dialog.accept();
    }

    /** The page's source as the browser has it now. */
    public String source() {
        return driver.getPageSource();
    }

    /** Whether the page is wider than the window (a phone would have to scroll sideways). */
    public boolean overflowsSideways() {
        return (Boolean) script("return document.documentElement.scrollWidth > window.innerWidth");
    }

    /** Saves a PNG of the page as target/screenshots/{@code name}.png; answers its path. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
