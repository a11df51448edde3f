package blob

import (
	"io"
	"testing"
)

func TestPutOpen(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.Put([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := s.Put([]byte("hello"))
	if k1 != k2 {
		t.Fatalf("same content, two keys: %s %s", k1, k2)
	}
	f, err := s.Open(k1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	for _, bad := range []string{"", "../../etc/passwd", k1[:63] + "x", "0000000000000000000000000000000000000000000000000000000000000000"} {
		if _, err := s.Open(bad); err != ErrNotFound {
			t.Errorf("Open(%q) = %v, want ErrNotFound", bad, err)
		}
	}
}
