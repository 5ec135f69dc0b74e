package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hl7gate/hl7gate/gateway/config"
	"github.com/hl7gate/hl7gate/gateway/queue"
)

const queueUsage = `usage: hl7gate queue list|inspect ID|replay ID|discard ID --config FILE [--route NAME] [--include-patient-data]

  list      each store-mode route's queue (depth, oldest message) and its dead letters, without payloads
  inspect   one dead letter; its payload (patient data) only with --include-patient-data
  replay    append a dead letter to its key's queued messages again, then remove it
  discard   delete a dead letter

The command opens the queue directory itself, which the running gateway holds locked: stop the gateway
first (its queue is kept and delivered when it starts again). While it runs, GET /api/queue on the admin
endpoint shows the same list.`

// queueCmd lists, inspects, replays and discards the dead letters of store-mode routes' queues.
func queueCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("queue", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, queueUsage)
		fs.PrintDefaults()
	}
	path := fs.String("config", "", "YAML configuration file the gateway runs with (required)")
	route := fs.String("route", "", "the store-mode route whose queue to use (required when there are several)")
	phi := fs.Bool("include-patient-data", false, "inspect: print the payload, which holds patient data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	verb := rest[0]
	var id uint64
	switch verb {
	case "list":
		if len(rest) != 1 {
			fs.Usage()
			return errUsage
		}
	case "inspect", "replay", "discard":
		var err error
		if len(rest) != 2 {
			fs.Usage()
			return errUsage
		}
		if id, err = strconv.ParseUint(rest[1], 10, 64); err != nil {
			fmt.Fprintf(stderr, "%q is not a dead-letter ID\n", rest[1])
			return errUsage
		}
	default:
		fmt.Fprintf(stderr, "unknown queue command %q\n", verb)
		fs.Usage()
		return errUsage
	}
	if *path == "" {
		fmt.Fprintln(stderr, "--config is required")
		return errUsage
	}
	cfg, err := loadConfig(*path, fs, os.Environ())
	if err != nil {
		return err
	}
	routes := cfg.StoreRoutes()
	switch {
	case len(routes) == 0:
		return fmt.Errorf("%s: no route has delivery: store", nameOf(*path))
	case *route != "":
		if !slices.Contains(routes, *route) {
			return fmt.Errorf("--route %s: not a store-mode route (those are: %s)", *route, strings.Join(routes, ", "))
		}
		routes = []string{*route}
	case verb != "list" && len(routes) > 1:
		return fmt.Errorf("--route is required: the store-mode routes are %s", strings.Join(routes, ", "))
	}
	for _, r := range routes {
		if err := queueDo(ctx, cfg, r, verb, id, *phi, stdout); err != nil {
			return err
		}
	}
	return nil
}

// queueDo opens route's queue and runs one verb on it.
func queueDo(ctx context.Context, cfg config.Config, route, verb string, id uint64, phi bool, w io.Writer) (err error) {
	dir := cfg.QueueDir(route)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if verb == "list" {
			fmt.Fprintf(w, "route %s: no queue yet (%s)\n", route, dir)
			return nil
		}
		return fmt.Errorf("route %s: no queue yet (%s)", route, dir)
	}
	q, err := queue.Open(dir, queue.Options{MaxBytes: cfg.Queue.MaxBytes, MaxAge: cfg.Queue.MaxAge})
	if err != nil {
		return fmt.Errorf("route %s: %w (is the gateway running? stop it first, or read GET /api/queue)", route, err)
	}
	defer func() {
		if cerr := q.Close(); err == nil {
			err = cerr
		}
	}()
	switch verb {
	case "list":
		return queueList(q, route, w)
	case "inspect":
		d, body, err := q.Inspect(id)
		if err != nil {
			return fmt.Errorf("route %s: dead letter %d: %w", route, id, err)
		}
		fmt.Fprintf(w, "route:   %s\nid:      %d\nkey:     %s\nqueued:  %s\ndead:    %s\nreason:  %s\nsize:    %d bytes\n",
			route, d.ID, d.Key, d.Queued.Format(time.RFC3339Nano), d.Dead.Format(time.RFC3339Nano), d.Reason, d.Size)
		if !phi {
			fmt.Fprintln(w, "payload: not shown: it holds patient data (add --include-patient-data)")
			return nil
		}
		fmt.Fprintln(w, "payload:")
		fmt.Fprintln(w, strings.ReplaceAll(strings.TrimRight(string(body), "\r"), "\r", "\n"))
	case "replay":
		seq, err := q.Replay(ctx, id)
		if err != nil {
			return fmt.Errorf("route %s: replay dead letter %d: %w", route, id, err)
		}
		fmt.Fprintf(w, "route %s: dead letter %d queued again as %d; it is delivered when the gateway runs\n", route, id, seq)
	case "discard":
		if err := q.Discard(id); err != nil {
			return fmt.Errorf("route %s: discard dead letter %d: %w", route, id, err)
		}
		fmt.Fprintf(w, "route %s: dead letter %d discarded\n", route, id)
	}
	return nil
}

func queueList(q *queue.Queue, route string, w io.Writer) error {
	st := q.Stats()
	fmt.Fprintf(w, "route %s: %d queued (%d bytes, oldest %s) under %d keys; %d dead letters\n",
		route, st.Depth, st.Bytes, st.OldestAge.Round(time.Second), st.Keys, st.DeadLetters)
	dls, err := q.DeadLetters()
	if err != nil {
		return fmt.Errorf("route %s: %w", route, err)
	}
	if len(dls) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tKEY\tQUEUED\tDEAD\tBYTES\tREASON")
	for _, d := range dls {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.Key, d.Queued.Format(time.RFC3339),
			d.Dead.Format(time.RFC3339), d.Size, d.Reason)
	}
	return tw.Flush()
}
