package channel_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel"
)

func TestVerify(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	now := time.Unix(1_764_070_000, 0)
	body := []byte(`{"body":"hi"}`)
	ts := now.Unix()
	good := channel.Sign(secret, ts, body)
	rows := []struct {
		name, secret, ts, sig string
		body                  []byte
		ok                    bool
	}{
		{"good", secret, strconv.FormatInt(ts, 10), good, body, true},
		{"upper-case hex", secret, strconv.FormatInt(ts, 10), "sha256=" + upper(good[7:]), body, true},
		{"4 minutes old", secret, strconv.FormatInt(ts-240, 10), channel.Sign(secret, ts-240, body), body, true},
		{"6 minutes old", secret, strconv.FormatInt(ts-360, 10), channel.Sign(secret, ts-360, body), body, false},
		{"6 minutes ahead", secret, strconv.FormatInt(ts+360, 10), channel.Sign(secret, ts+360, body), body, false},
		{"timestamp changed", secret, strconv.FormatInt(ts+1, 10), good, body, false},
		{"body changed", secret, strconv.FormatInt(ts, 10), good, []byte(`{"body":"ho"}`), false},
		{"other secret", "another-secret-0123456", strconv.FormatInt(ts, 10), good, body, false},
		{"short secret", "short", strconv.FormatInt(ts, 10), channel.Sign("short", ts, body), body, false},
		{"no signature", secret, strconv.FormatInt(ts, 10), "", body, false},
		{"milliseconds", secret, strconv.FormatInt(ts*1000, 10), channel.Sign(secret, ts*1000, body), body, false},
	}
	for _, r := range rows {
		_, err := channel.Verify(r.secret, r.ts, r.sig, r.body, now)
		if (err == nil) != r.ok {
			t.Errorf("%s: err %v, want ok=%v", r.name, err, r.ok)
		}
		if err != nil && apperr.KindOf(err) != apperr.KindUnauthenticated {
			t.Errorf("%s: kind %v, want unauthenticated", r.name, apperr.KindOf(err))
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func TestPrivateAddresses(t *testing.T) {
	for addr, private := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "100.64.0.1": true, "0.0.0.0": true, "fe80::1": true, "fd00::1": true,
		"93.184.215.14": false, "8.8.8.8": false, "2606:4700::1111": false, "100.128.0.1": false,
	} {
		if got := channel.Private(net.ParseIP(addr)); got != private {
			t.Errorf("Private(%s) = %v, want %v", addr, got, private)
		}
	}
}
