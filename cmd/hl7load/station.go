package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/hl7gate/hl7gate/internal/loadgen"
)

// stationFlags are the flags shared by "station" and "run".
type stationFlags struct {
	ack      string
	cert     string
	key      string
	clientCA string
	maxFrame int
}

func (o *stationFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.ack, "ack", "AA", "answer: AA, AE, AR, slow:<duration> (AA after a delay), silent or close")
	fs.StringVar(&o.cert, "tls-cert", "", "PEM certificate `file`: serve MLLP over TLS (with --tls-key)")
	fs.StringVar(&o.key, "tls-key", "", "PEM key `file` for --tls-cert")
	fs.StringVar(&o.clientCA, "client-ca", "", "PEM `file` of CAs; when set, clients must present a certificate they sign")
	fs.IntVar(&o.maxFrame, "max-frame", 1<<20, "largest message accepted, bytes")
}

// listen builds the station and its (possibly TLS) listener on addr.
func (o *stationFlags) listen(addr string) (*loadgen.Station, net.Listener, error) {
	mode, err := loadgen.ParseAckMode(o.ack)
	if err != nil {
		return nil, nil, err
	}
	st := loadgen.NewStation(mode)
	st.MaxFrame = o.maxFrame
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("station listen: %w", err)
	}
	if o.cert == "" && o.key == "" {
		return st, ln, nil
	}
	cert, err := tls.LoadX509KeyPair(o.cert, o.key)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("station certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.clientCA != "" {
		if cfg.ClientCAs, err = loadPool(o.clientCA); err != nil {
			ln.Close()
			return nil, nil, err
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return st, tls.NewListener(ln, cfg), nil
}

func stationCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load station", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o stationFlags
	o.register(fs)
	addr := fs.String("addr", "127.0.0.1:2576", "`host:port` to accept MLLP connections on")
	httpAddr := fs.String("http", "127.0.0.1:9200", "`host:port` of the HTTP endpoint with the recorded state (GET /records, GET /stats, POST /ackmode?mode=AE); keep it on loopback")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, ln, err := o.listen(*addr)
	if err != nil {
		return err
	}
	hln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("station http listen: %w", err)
	}
	hs := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	httpDone := make(chan error, 1)
	go func() { httpDone <- hs.Serve(hln) }()
	fmt.Fprintf(stderr, "station: mllp %s, http %s, ack %s\n", ln.Addr(), hln.Addr(), o.ack)

	serveErr := st.Serve(ctx, ln)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	hs.Shutdown(sctx)
	cancel()
	if err := <-httpDone; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("station http: %w", err)
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(st.Stats()); err != nil {
		return fmt.Errorf("write station stats: %w", err)
	}
	return serveErr
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		so stationFlags
		fo fleetFlags
	)
	so.register(fs)
	fo.register(fs, "")
	stationAddr := fs.String("station-addr", "127.0.0.1:0", "`host:port` of the in-process station; without --addr the monitors connect to it directly")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, ln, err := so.listen(*stationAddr)
	if err != nil {
		return err
	}
	if fo.addr == "" {
		fo.addr = ln.Addr().String()
	}
	f, err := fo.fleet()
	if err != nil {
		ln.Close()
		return err
	}
	sctx, stopStation := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- st.Serve(sctx, ln) }()
	records := func(context.Context) ([]loadgen.Record, error) { return st.Records(), nil }
	err = drive(ctx, &fo, f, records, stdout, stderr)
	stopStation()
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	return err
}
