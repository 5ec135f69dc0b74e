package dashboard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestHandlerServesAssets fetches each asset over a real loopback HTTP server and checks its type, its
// security headers and that it is the embedded file.
func TestHandlerServesAssets(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for path, f := range files {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, err := assets.ReadFile(f.name)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.StatusCode != http.StatusOK || string(body) != string(want) {
			t.Errorf("GET %s: %d, %d bytes; want 200 and %s (%d bytes)", path, resp.StatusCode, len(body), f.name, len(want))
		}
		if got := resp.Header.Get("Content-Type"); got != f.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, f.contentType)
		}
		if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "connect-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q does not restrict connections to the origin", path, got)
		}
		if !Public(path) {
			t.Errorf("Public(%q) = false for an asset", path)
		}
	}
	for _, path := range []string{"/api/monitors", "/index.html", "/assets/index.html", "/dashboard.js/", "/metrics"} {
		if Public(path) {
			t.Errorf("Public(%q) = true", path)
		}
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestAssetsSelfContained checks that the page loads nothing from elsewhere (no CDN, no web fonts) and
// never puts API data into the page as markup.
func TestAssetsSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(|@font-face`)
	for _, f := range files {
		b, err := assets.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s refers to something outside the page: %q", f.name, m)
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(b), sink) {
				t.Errorf("%s uses %s; API data must go into the page as text", f.name, sink)
			}
		}
	}
}
