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

func TestPutAll(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := [][]byte{[]byte("one"), []byte("two"), []byte("one"), {}}
	keys, err := s.PutAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if keys[0] != keys[2] || keys[0] == keys[1] {
		t.Fatalf("keys %v: equal content must share a key, different content must not", keys)
	}
	for i, k := range keys {
		f, err := s.Open(k)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) != string(data[i]) {
			t.Fatalf("blob %d reads %q, want %q", i, got, data[i])
		}
	}
}
