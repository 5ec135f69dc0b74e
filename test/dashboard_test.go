//go:build linux

package test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// TestDashboardInBrowser runs the real binaries (an hl7load station, hl7gate serve with an admin token,
// hl7load monitors, one of them tampered) and drives Debian's headless Chromium against the dashboard on
// the admin address. It asserts what the page shows: the token prompt and a rejected token, the monitors
// with their message rate, paging and the filter, the inventory's columns, the tampered monitor flagged
// with its finding and explanation, a Contec CMS8000 marked red as watchlisted, a refused connection, and the station
// turning from green to red once its process is killed.
func TestDashboardInBrowser(t *testing.T) {
	requireChromium(t)
	gw, load := buildCmd(t, "hl7gate"), buildCmd(t, "hl7load")

	stationAddr, stopStation := runLoadStation(t, load)
	const token = "dashboard-test-token-0123456789"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Monitors connect from 127.0.0.10-127.0.0.70; 127.0.0.200 is outside allow_sources, to be refused.
	addrs := startHL7gate(t, gw, fmt.Sprintf(`
listeners:
  - {name: icu, address: "127.0.0.1:0", allow_sources: ["127.0.0.0/25"]}
stations:
  - {name: central, address: %q}
routes:
  - {name: vitals, match: {message_types: ["ORU^R01"]}, stations: [central]}
admin: {address: "127.0.0.1:0", token_file: %q}
`, stationAddr, tokenFile), "icu", "admin")
	listener, admin := addrs["icu"], "http://"+addrs["admin"]+"/"

	// 60 clean monitors (two pages of 50) and one that sends an impossible value.
	runLoadMonitors(t, load, "--addr", listener, "-n", "60", "--sources", "127.0.0.11-127.0.0.70")
	runLoadMonitors(t, load, "--addr", listener, "-n", "1", "--sources", "127.0.0.10", "--seed", "100",
		"--manipulation", "range", "--manipulate-at", "3")

	ctx := newBrowser(t)
	page := func(what, expr string) string { t.Helper(); return waitPage(t, ctx, what, expr) }
	if err := chromedp.Do(ctx, chromedp.Navigate(admin)); err != nil {
		t.Fatalf("navigate to %s: %v", admin, err)
	}

	// Token: the page loads without it, the API answers 401, the page asks; a wrong token is refused.
	page("token prompt", `!document.getElementById("token-form").hidden && document.getElementById("main").hidden`)
	submitToken(t, ctx, "not-the-token-but-long-enough")
	page("wrong token refused", `!document.getElementById("token-form").hidden &&
		document.getElementById("token-error").textContent.includes("not accepted")`)
	submitToken(t, ctx, token)
	page("main view after the token", `document.getElementById("token-form").hidden && !document.getElementById("main").hidden`)

	// Monitors: 61 seen, 50 rows on the first page, message rates from successive polls.
	page("61 monitors, first page of 50", `document.getElementById("monitors-count").textContent === "(61)" &&
		document.querySelectorAll("#monitors tbody tr[data-monitor]").length === 50 &&
		document.getElementById("page-info").textContent.startsWith("1–50 of 61")`)
	// The device inventory's columns are there from the first data shown after the token, not only once
	// the page's 30 s re-check of /api/devices comes round: the page asked before the token too (401).
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#monitors thead th")].map(th => th.textContent).join(",")`)); err != nil ||
		!strings.Contains(got, ",Manufacturer,Model,Firmware,Watchlist,") {
		t.Errorf("monitor columns at the first data after the token: %q, %v; want the inventory's", got, err)
	}
	page("a message rate", `[...document.querySelectorAll("#monitors tbody tr[data-monitor]")].some(tr =>
		Number(tr.querySelector(".rate").textContent) > 0)`)

	// The tampered monitor: flagged and sorted first, its finding with rule and explanation.
	flagged := page("flagged monitor first", `(() => {
		const tr = document.querySelector("#monitors tbody tr[data-monitor]");
		return tr && tr.classList.contains("flagged") && Number(tr.querySelector(".findings").textContent) > 0 &&
			tr.dataset.monitor;
	})()`)
	if flagged != "icu/127.0.0.10" {
		t.Errorf("first monitor row = %q, want the tampered icu/127.0.0.10", flagged)
	}
	explanation := page("finding of the tampered monitor", `(() => {
		const tr = document.querySelector('#findings tr[data-monitor="icu/127.0.0.10"][data-rule="range"]');
		return tr && tr.cells[2].textContent === "critical" && tr.cells[8].textContent;
	})()`)
	if !strings.Contains(explanation, "range") {
		t.Errorf("explanation of the range finding = %q", explanation)
	}
	if got := page("no other monitor flagged", `String(document.querySelectorAll("#findings tr[data-monitor]").length)`); got != "1" {
		t.Errorf("%s finding episodes on the page, want 1 (only the tampered monitor)", got)
	}

	// Filter: one address leaves one row; clearing it brings the page back.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("monitor-filter"), "127.0.0.69")); err != nil {
		t.Fatal(err)
	}
	page("filter to one monitor", `document.querySelectorAll("#monitors tbody tr[data-monitor]").length === 1 &&
		document.querySelector("#monitors tbody tr[data-monitor]").dataset.monitor === "icu/127.0.0.69"`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("monitor-filter"), strings.Repeat(kb.Backspace, len("127.0.0.69")))); err != nil {
		t.Fatal(err)
	}
	page("filter cleared", `document.querySelectorAll("#monitors tbody tr[data-monitor]").length === 50`)

	// A Contec CMS8000 (by its product rows) from 127.0.0.1: marked red with its advisory, sorted first.
	la, err := net.ResolveTCPAddr("tcp", listener)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := dialMonitor(t, la).mustAck(t, deviceORU("0009FBFFFF059322", "Contec", "CMS8000", "CMS7.820.075.08/0.74(0.75)", "CMS1")); code != hl7.AA {
		t.Fatalf("CMS8000 message: %s", code)
	}
	watched := page("watchlisted monitor first", `(() => {
		const tr = document.querySelector("#monitors tbody tr[data-monitor]");
		return tr && tr.classList.contains("watch") && tr.cells[7].textContent.includes("ICSMA-25-030-01") &&
			tr.cells[5].textContent === "CMS8000" && tr.dataset.monitor;
	})()`)
	if watched != "icu/127.0.0.1" {
		t.Errorf("first monitor row = %q, want the CMS8000 icu/127.0.0.1", watched)
	}

	// A refused connection appears with its source.
	refuse(t, listener, "127.0.0.200")
	page("refused connection", `[...document.querySelectorAll('#refused tr[data-kind="connection"]')].some(tr =>
		tr.cells[3].textContent === "127.0.0.200")`)

	// The station is up (green), then its process dies and it turns red.
	const badge = `getComputedStyle(document.querySelector('#stations tr[data-station="central"] .badge'))`
	green := page("station up", `document.querySelector('#stations tr[data-station="central"].up') && `+badge+`.backgroundColor`)
	// Its row shows the last acknowledged message's round trip and an empty background queue.
	page("station latency and queue", `(() => {
		const tr = document.querySelector('#stations tr[data-station="central"]');
		return tr && /^[0-9.]+ ms$/.test(tr.cells[4].textContent) && parseFloat(tr.cells[4].textContent) > 0 &&
			tr.cells[5].textContent === "0";
	})()`)
	stopStation()
	red := page("station down", `document.querySelector('#stations tr[data-station="central"].down') &&
		document.querySelector('#stations tr[data-station="central"] .badge').textContent === "DOWN" && `+badge+`.backgroundColor`)
	if green != "rgb(17, 112, 47)" || red != "rgb(179, 20, 27)" {
		t.Errorf("station badge colour: up %s, down %s; want green rgb(17, 112, 47) then red rgb(179, 20, 27)", green, red)
	}
	page("not ready without a station", `document.getElementById("ready").textContent.startsWith("not ready")`)
}

// requireChromium skips the test when Debian's chromium is missing, or fails it under CI=true, where
// .ci/deps installs it.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	msg := chromiumPath + " missing (bash .ci/deps installs Debian's chromium)"
	testkit.Unavailable(t, msg)
}

// newBrowser starts headless Chromium with an empty profile and nothing that reaches out to the
// internet, and returns a chromedp context on one tab; the browser stops when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write into the profile for a moment after
	// the browser exits, which would fail the test's own cleanup; removal here is best effort.
	profile, err := os.MkdirTemp("", "hl7gate-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("could not remove the Chromium profile %s", profile)
	})
	output := &syncBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(output),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", output.String())
		}
	})
	// The first Run starts the browser; it must not carry a timeout (see chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// waitPage waits, at most 30 s, until the JavaScript expression is truthy in the page and returns its
// value as text. On timeout it fails the test with what the page shows.
func waitPage(t *testing.T, ctx context.Context, what, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[any](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("page: %s: %v\npage text:\n%s", what, err, text)
	}
	return fmt.Sprint(v)
}

// submitToken types tok into the page's token prompt and submits it.
func submitToken(t *testing.T, ctx context.Context, tok string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("token"), tok),
		chromedp.Click(chromedp.CSS("#token-form button[type=submit]"))); err != nil {
		t.Fatalf("submit the token: %v", err)
	}
}

// runLoadStation starts "hl7load station" on free loopback ports and returns its MLLP address and a
// function that kills the process (SIGKILL, as a crash would), also called when the test ends.
func runLoadStation(t *testing.T, bin string) (addr string, kill func()) {
	t.Helper()
	cmd := exec.Command(bin, "station", "--addr", "127.0.0.1:0", "--http", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill = func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(kill)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() { // "station: mllp 127.0.0.1:PORT, http 127.0.0.1:PORT, ack AA"
		if rest, ok := strings.CutPrefix(sc.Text(), "station: mllp "); ok {
			addr, _, _ = strings.Cut(rest, ",")
			go func() {
				for sc.Scan() {
				}
			}()
			return addr, kill
		}
	}
	t.Fatalf("hl7load station exited without reporting its address")
	return "", nil
}

// runLoadMonitors runs "hl7load monitors" with args, one message per second per monitor, until the test
// ends.
func runLoadMonitors(t *testing.T, bin string, args ...string) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"monitors", "--rate", "1", "--duration", "1h"}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("hl7load monitors %v:\n%s", args, out.String())
		}
	})
}

// refuse connects to the listener from src, which its allow_sources exclude, and waits until hl7gate
// closes the connection.
func refuse(t *testing.T, listener, src string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", listener)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("connection from %s not closed by hl7gate (read %d, %v)", src, n, err)
	}
}
