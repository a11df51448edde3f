package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// client talks to one server with one bearer token over a shared, pooled
// http.Client, as a real integration would.
type client struct {
	base  string
	token string
	http  *http.Client
}

func newClient(addr, token string, conns int) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: "http://" + addr, token: token, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// do sends one request and reads the whole answer. auth false sends no
// Authorization header.
func (c *client) do(ctx context.Context, method, path string, body []byte, auth bool) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// json sends v as JSON and decodes the answer into out, expecting status want.
func (c *client) json(ctx context.Context, method, path string, v any, want int, out any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	status, b, err := c.do(ctx, method, path, body, true)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// stats summarises a set of latencies.
type stats struct {
	N                   int
	Mean, P50, P90, P99 time.Duration
	Min, Max            time.Duration
	Elapsed             time.Duration
	Errors              int
	FirstError          string
}

func summarize(ds []time.Duration) stats {
	s := stats{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	s.Mean = sum / time.Duration(len(ds))
	s.P50, s.P90, s.P99 = pct(ds, 0.50), pct(ds, 0.90), pct(ds, 0.99)
	s.Min, s.Max = ds[0], ds[len(ds)-1]
	return s
}

// pct is the nearest-rank percentile of sorted ds.
func pct(ds []time.Duration, p float64) time.Duration {
	i := int(float64(len(ds))*p+0.999999) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// Rate is successful operations per second.
func (s stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.N) / s.Elapsed.Seconds()
}

// parallel runs op for i = 0..n-1 on workers goroutines until all are done
// or the deadline passes, timing each call. op reports an error for a
// failed request; failures are counted, not timed.
func parallel(ctx context.Context, n, workers int, deadline time.Duration, op func(ctx context.Context, i int) error) stats {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var errs int
	var firstErr string
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, n/workers+1)
			localErrs := 0
			var localFirst string
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				t0 := time.Now()
				err := op(ctx, i)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break // the time bound cut this request short
					}
					localErrs++
					if localFirst == "" {
						localFirst = err.Error()
					}
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			all = append(all, local...)
			errs += localErrs
			if firstErr == "" {
				firstErr = localFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	s := summarize(all)
	s.Elapsed = time.Since(start)
	s.Errors, s.FirstError = errs, firstErr
	return s
}

// expect turns an unexpected status into an error.
func expect(status int, b []byte, err error, want int) error {
	if err != nil {
		return err
	}
	if status != want {
		if len(b) > 300 {
			b = b[:300]
		}
		return fmt.Errorf("status %d, want %d: %s", status, want, b)
	}
	return nil
}
