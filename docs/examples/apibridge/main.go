// Command apibridge is a complete, minimal bridge between a messaging app
// and a Parley API inbox. It uses only Go's standard library, so it can be
// copied and adapted to any platform's SDK.
//
// Inbound: each line typed on stdin as "user-id: message" (standing in for
// the messaging app's incoming-message webhook) is signed and posted to
// Parley. Outbound: Parley posts each agent reply, signed, to /parley on
// -listen; the bridge checks the signature and the timestamp and prints
// the reply (a real bridge calls the messaging app's send API there).
//
//	go run ./docs/examples/apibridge -parley http://127.0.0.1:8080 -inbox 3 -secret "$SECRET" -listen 127.0.0.1:9000
//
// and set the inbox's settings.callback_url to http://127.0.0.1:9000/parley
// (with "allow_private_addresses": true, since it is a loopback address).
package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sign is the signature Parley expects and sends: HMAC-SHA256 with the
// inbox's secret over the Unix timestamp, a dot, and the exact body bytes.
func sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// message is what the bridge posts to /channels/api/{inbox}/messages.
type message struct {
	Sender struct {
		ExternalID string `json:"external_id"`
		Name       string `json:"name"`
	} `json:"sender"`
	MessageID      string `json:"message_id"`
	ConversationID string `json:"conversation_id,omitempty"`
	Body           string `json:"body"`
}

// reply is the part of Parley's webhook a bridge needs.
type reply struct {
	Event        string `json:"event"`
	Conversation struct {
		ID         int64  `json:"id"`
		ExternalID string `json:"external_id"`
	} `json:"conversation"`
	Contact struct {
		Name       string `json:"name"`
		ExternalID string `json:"external_id"`
	} `json:"contact"`
	Message struct {
		ID         int64  `json:"id"`
		Body       string `json:"body"`
		SenderName string `json:"sender_name"`
	} `json:"message"`
}

func main() {
	parley := flag.String("parley", "http://127.0.0.1:8080", "Parley's base URL")
	inbox := flag.Int64("inbox", 0, "the API inbox's id")
	secret := flag.String("secret", os.Getenv("PARLEY_INBOX_SECRET"), "the inbox's settings.secret (or PARLEY_INBOX_SECRET)")
	listen := flag.String("listen", "127.0.0.1:9000", "where Parley's reply webhooks arrive (path /parley)")
	flag.Parse()
	if *inbox == 0 || *secret == "" {
		log.Fatal("set -inbox and -secret")
	}

	// Outbound: verify, then hand the reply to the messaging app.
	var mu sync.Mutex
	seen := map[string]bool{} // delivery ids: Parley may deliver a reply again
	http.HandleFunc("POST /parley", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		ts, err := strconv.ParseInt(r.Header.Get("X-Parley-Timestamp"), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
			http.Error(w, "stale or missing timestamp", http.StatusUnauthorized)
			return
		}
		if !hmac.Equal([]byte(r.Header.Get("X-Parley-Signature")), []byte(sign(*secret, ts, body))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		id := r.Header.Get("X-Parley-Delivery")
		again := seen[id]
		seen[id] = true
		mu.Unlock()
		if again {
			w.WriteHeader(http.StatusNoContent) // already sent to the user
			return
		}
		var rp reply
		if err := json.Unmarshal(body, &rp); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		// A real bridge calls the messaging app here, e.g.
		// app.Send(rp.Contact.ExternalID, rp.Message.Body), and answers
		// 5xx if that fails so that Parley retries.
		fmt.Printf("→ to %s (%s): %s: %s\n", rp.Contact.ExternalID, rp.Contact.Name, rp.Message.SenderName, rp.Message.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	go func() { log.Fatal(http.ListenAndServe(*listen, nil)) }()
	log.Printf("replies arrive on http://%s/parley; type \"user-id: message\" to send one in", *listen)

	// Inbound: one line per customer message.
	url := fmt.Sprintf("%s/channels/api/%d/messages", strings.TrimRight(*parley, "/"), *inbox)
	sc := bufio.NewScanner(os.Stdin)
	for n := 1; sc.Scan(); n++ {
		user, text, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(text) == "" {
			log.Print(`type "user-id: message"`)
			continue
		}
		var m message
		m.Sender.ExternalID, m.Sender.Name = strings.TrimSpace(user), strings.TrimSpace(user)
		// The platform's own message id makes a retry harmless.
		m.MessageID = fmt.Sprintf("%d-%d", time.Now().UnixNano(), n)
		m.Body = strings.TrimSpace(text)
		if err := post(url, *secret, m); err != nil {
			log.Print(err)
		}
	}
}

// post signs and sends one message, retrying with a fresh signature: each
// signature is accepted once, and the message id keeps retries from
// creating duplicates.
func post(url, secret string, m message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		ts := time.Now().Unix()
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Parley-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Parley-Signature", sign(secret, ts, body))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 300 {
				log.Printf("← stored: %s", bytes.TrimSpace(b))
				return nil
			}
			last = fmt.Errorf("parley answered %s: %s", resp.Status, bytes.TrimSpace(b))
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusConflict {
				return last // a bad request does not get better by retrying
			}
		} else {
			last = err
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
	return last
}
