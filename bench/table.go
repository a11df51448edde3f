package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one figure across the databases run.
type row struct {
	name   string
	value  func(r *result) string
	target string
	// met, if set, says whether r meets the target ("" when it does not apply).
	met func(r *result) string
}

const coresLabel = "cores: server / load gen. / PostgreSQL / other"

// ran is yes or NO for a figure that was measured, and "not run" otherwise.
func ran(measured, ok bool) string {
	if !measured {
		return "not run"
	}
	return yes(ok)
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func usec(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func printTable(o options, results []*result) {
	if len(results) == 0 {
		return
	}
	rows := []row{
		{name: "-- memory of `parley serve` (/proc/<pid>/status) --"},
		{name: "idle after start: VmRSS", value: func(r *result) string { return mib(r.idleRSS) }, target: "< 60 MB",
			met: func(r *result) string { return ran(r.idleRSS > 0, r.idleRSS < 60*1000*1000) }},
		{name: "peak under message load: VmHWM", value: func(r *result) string { return mib(r.peakHWM) }, target: "< 200 MB",
			met: func(r *result) string { return ran(r.peakHWM > 0, r.peakHWM < 200*1000*1000) }},
		{name: "  VmRSS max of 50 ms samples", value: func(r *result) string { return mib(r.peakRSSSampled) }},
		{name: "  VmRSS / VmHWM at the end", value: func(r *result) string { return mib(r.finalRSS) + " / " + mib(r.finalHWM) }},

		{name: fmt.Sprintf("-- POST /conversations/{id}/messages, %d clients --", o.clients)},
		{name: "messages created", value: func(r *result) string {
			return fmt.Sprintf("%d in %.2f s (%d errors)", r.messages.N, r.messages.Elapsed.Seconds(), r.messages.Errors)
		}},
		{name: "throughput", value: func(r *result) string { return fmt.Sprintf("%.0f msg/s", r.messages.Rate()) }, target: "≥ 2000/s (SQLite)",
			met: func(r *result) string {
				if r.db != "sqlite" {
					return "n/a"
				}
				return yes(r.messages.Rate() >= 2000 && r.messages.Errors == 0)
			}},
		{name: "  latency p50 / p99", value: func(r *result) string { return ms(r.messages.P50) + " / " + ms(r.messages.P99) }},
		{name: "  server CPU per message", value: func(r *result) string {
			if r.messages.N == 0 {
				return "-"
			}
			return usec(r.msgCPU.server / time.Duration(r.messages.N))
		}},
		{name: "  " + coresLabel, value: func(r *result) string { return r.msgCPU.String() }},
		{name: "  load average before / after", value: func(r *result) string { return r.loadBefore + " / " + r.loadAfter }},

		{name: "-- read one conversation with 50 messages, 1 client --"},
		{name: "GET /conversations/{id}  p50 / p99", value: func(r *result) string { return ms(r.readConv.P50) + " / " + ms(r.readConv.P99) }},
		{name: "GET …/messages?limit=50  p50 / p99", value: func(r *result) string { return ms(r.readMsgs.P50) + " / " + ms(r.readMsgs.P99) }},
		{name: "both requests  p50 / p99", value: func(r *result) string { return ms(r.readPair.P50) + " / " + ms(r.readPair.P99) }, target: "p99 < 5 ms",
			met: func(r *result) string {
				if r.readPair.N == 0 {
					return "not run"
				}
				return yes(r.readPair.P99 < 5*time.Millisecond)
			}},
		{name: "  " + coresLabel, value: func(r *result) string { return r.readCPU.String() }},
		{name: fmt.Sprintf("  both, %d clients: rate, p50 / p99", o.clients), value: func(r *result) string {
			return fmt.Sprintf("%.0f/s, %s / %s", r.readPairParallel.Rate(), ms(r.readPairParallel.P50), ms(r.readPairParallel.P99))
		}},
		{name: "  " + coresLabel, value: func(r *result) string { return r.readParCPU.String() }},

		{name: "-- token authentication, 1 client, interleaved --"},
		{name: "GET /healthz (no auth) p50", value: func(r *result) string { return usec(r.health.P50) }},
		{name: "GET /api/v1/conversations/0, no token (401) p50", value: func(r *result) string { return usec(r.noAuth.P50) }},
		{name: "GET /api/v1/conversations/0, token (404) p50", value: func(r *result) string { return usec(r.auth.P50) }},
		{name: "overhead: token − no token, p50 (ratio)", value: func(r *result) string {
			return fmt.Sprintf("%s (×%.2f)", usec(r.auth.P50-r.noAuth.P50), float64(r.auth.P50)/float64(r.noAuth.P50))
		}, target: "< 0.1 ms", met: func(r *result) string {
			return ran(r.auth.N > 0 && r.noAuth.N > 0, r.auth.P50-r.noAuth.P50 < 100*time.Microsecond)
		}},
		{name: "  token − no token, mean", value: func(r *result) string { return usec(r.auth.Mean - r.noAuth.Mean) }},
		{name: "  " + coresLabel, value: func(r *result) string { return r.authCPU.String() }},
		{name: "AuthenticateToken in process p50 / p99", value: func(r *result) string {
			return usec(r.authDirect.P50) + " / " + usec(r.authDirect.P99)
		}, target: "< 0.1 ms", met: func(r *result) string { return ran(r.authDirect.N > 0, r.authDirect.P50 < 100*time.Microsecond) }},
	}

	fmt.Println()
	fmt.Printf("dataset per database: 1 api inbox, %d conversations, %d messages added by %d clients (about %d messages per conversation)\n",
		o.convs, o.n, o.clients, 1+o.n/o.convs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	head := []string{"figure"}
	for _, r := range results {
		head = append(head, r.db)
	}
	head = append(head, "target", "met")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, rw := range rows {
		if rw.value == nil {
			fmt.Fprintln(tw, rw.name)
			continue
		}
		cells := []string{rw.name}
		var mets []string
		for _, r := range results {
			cells = append(cells, rw.value(r))
			if rw.met != nil {
				mets = append(mets, r.db+" "+rw.met(r))
			}
		}
		cells = append(cells, rw.target, strings.Join(mets, ", "))
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	for _, r := range results {
		if r.err != nil {
			fmt.Printf("NOTE: the %s run stopped early (%v); its later figures are missing or partial.\n", r.db, r.err)
		}
	}
	fmt.Println("(cores: CPU time over wall time of the phase above, from /proc. PostgreSQL counts every process named")
	fmt.Println(" postgres, whoever's queries it runs (on the sqlite pass, anything there is someone else's); other is")
	fmt.Println(" every other process and kernel work charged to none. Well above 0.1, other work skewed the phase.")
	fmt.Println(" MB targets are read as 10^6 bytes.)")
	if len(results) == 2 && results[0].messages.Rate() > 0 {
		a, b := results[0], results[1]
		fmt.Printf("\n%s/%s ratios, same run: message throughput ×%.2f, read pair p50 ×%.2f, auth overhead (in process p50) ×%.2f\n",
			b.db, a.db, b.messages.Rate()/a.messages.Rate(), ratio(b.readPair.P50, a.readPair.P50), ratio(b.authDirect.P50, a.authDirect.P50))
	}
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
