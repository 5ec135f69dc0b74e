package testkit

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

// EvidenceFiles returns the files of an `hl7gate evidence` bundle by name, failing the test unless they all
// sit in the bundle's one hl7gate-evidence-* directory.
func EvidenceFiles(t testing.TB, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	var top string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d, name, _ := strings.Cut(h.Name, "/")
		if top == "" {
			top = d
		}
		if d != top || !strings.HasPrefix(d, "hl7gate-evidence-") {
			t.Fatalf("%s is outside the bundle's directory %s", h.Name, top)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}
