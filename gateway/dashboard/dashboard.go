// Package dashboard serves hl7gate's operator dashboard: one page of HTML, CSS and plain JavaScript,
// embedded in the binary (no build step, no CDN, no external fonts), that reads the admin API
// (/api/monitors, /api/stations, /api/events, /api/egress, /api/devices when present, /healthz, /readyz)
// every two seconds and shows monitors, stations, vital-sign findings, egress attempts and refused
// connections.
//
// The page itself carries no data: everything it shows comes from the admin API, which keeps its
// bearer-token check. So that a browser can load the page where a token is configured, the admin
// server lets the few asset paths through without the token (see Public); when an API call answers
// 401 the page asks for the token and sends it as "Authorization: Bearer …" from then on.
//
//	mux.Handle("GET /", dashboard.Handler())
//	...
//	if r.URL.Path == "/healthz" || dashboard.Public(r.URL.Path) { next.ServeHTTP(w, r); return }
package dashboard

import (
	"embed"
	"net/http"
)

//go:embed assets
var assets embed.FS

// files maps each URL path the dashboard serves to its embedded file and content type.
var files = map[string]struct{ name, contentType string }{
	"/":              {"assets/index.html", "text/html; charset=utf-8"},
	"/dashboard.js":  {"assets/dashboard.js", "text/javascript; charset=utf-8"},
	"/dashboard.css": {"assets/dashboard.css", "text/css; charset=utf-8"},
}

// csp lets the page load only its own script and style and talk only to its own origin.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler returns the handler of the dashboard's assets: the page at "/", its script and its style sheet.
// Any other path is 404. It answers GET and HEAD (the admin mux routes only GET to it).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := assets.ReadFile(f.name)
		if err != nil { // cannot happen: the names above are embedded; a test reads each one
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		w.Write(b)
	})
}

// Public reports whether p is one of the dashboard's asset paths, which hold no data and may be served
// without the admin token so that a browser can load the page and then ask for the token.
func Public(p string) bool {
	_, ok := files[p]
	return ok
}
