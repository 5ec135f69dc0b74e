package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hl7gate/hl7gate/gateway/admin"
)

// defaultAdminURL is the admin endpoint of the embedded default configuration.
const defaultAdminURL = "http://127.0.0.1:9102"

// devicesCmd prints the device inventory of a running gateway, read from its /api/devices.
func devicesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devices", stderr)
	base := fs.String("admin", defaultAdminURL, "the gateway's admin endpoint")
	tokenFile := fs.String("token-file", "", "file holding the admin bearer token (admin.token_file)")
	caFile := fs.String("ca-file", "", "CA (PEM) that signed the admin endpoint's certificate, for https")
	asJSON := fs.Bool("json", false, "print the devices as JSON, as /api/devices serves them")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the gateway")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return errUsage
	}
	client := http.DefaultClient
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("no certificate in %s", *caFile)
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	devs, err := fetchDevices(ctx, client, *base, *tokenFile, *timeout)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(devs)
	}
	printDevices(stdout, devs)
	return nil
}

// fetchDevices GETs /api/devices from the admin endpoint at base with client.
func fetchDevices(ctx context.Context, client *http.Client, base, tokenFile string, timeout time.Duration) ([]admin.Device, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/devices", nil)
	if err != nil {
		return nil, err
	}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("%s: %s: %s", req.URL, resp.Status, strings.TrimSpace(string(msg)))
		if resp.StatusCode == http.StatusUnauthorized && tokenFile == "" {
			err = errors.Join(err, errors.New("the endpoint wants a token: --token-file"))
		}
		return nil, err
	}
	var devs []admin.Device
	if err := json.NewDecoder(resp.Body).Decode(&devs); err != nil {
		return nil, fmt.Errorf("%s: %w", req.URL, err)
	}
	return devs, nil
}

// printDevices writes one row per device; a device on the watchlist is marked "!!" and its advisory
// and CVEs are named.
func printDevices(w io.Writer, devs []admin.Device) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tDEVICE\tMANUFACTURER\tMODEL\tFIRMWARE\tSERIAL\tLAST SEEN\tMESSAGES\tADDRESSES\tLISTENERS\tTYPES\tWATCHLIST")
	flagged := 0
	for _, d := range devs {
		mark, wl := "", "-"
		if d.Watchlist != nil {
			flagged++
			mark = "!!"
			wl = strings.TrimSpace(d.Watchlist.Name + " " + d.Watchlist.Advisory + " " + strings.Join(d.Watchlist.CVEs, " "))
		}
		fw := d.Firmware
		if fw == "" {
			fw = d.Software
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", mark, d.ID, dash(d.Manufacturer), dash(d.Model),
			dash(fw), dash(d.Serial), d.LastSeen.Local().Format(time.DateTime), d.Messages, dash(strings.Join(d.Addresses, ",")),
			dash(strings.Join(d.Listeners, ",")), dash(strings.Join(d.MessageTypes, ",")), wl)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d devices, %d on the vulnerable-model watchlist\n", len(devs), flagged)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
