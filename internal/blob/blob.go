// Package blob keeps attachments as files under the data directory,
// addressed by the SHA-256 of their content: the same file stored twice
// (a retried intake, a forwarded copy) takes the space once, and a file
// written before its transaction commits is harmless if it rolls back.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Store is a directory of blobs.
type Store struct {
	dir string
}

// ErrNotFound means no blob has that key.
var ErrNotFound = errors.New("blob not found")

// New returns a store rooted at dir, created if missing.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob dir: %w", err)
	}
	return &Store{dir: dir}, nil
}

func (s *Store) path(key string) (string, error) {
	if len(key) != 64 {
		return "", ErrNotFound
	}
	if _, err := hex.DecodeString(key); err != nil {
		return "", ErrNotFound
	}
	return filepath.Join(s.dir, key[:2], key[2:4], key), nil
}

// Put stores data durably (written, synced, renamed into place) and
// returns its key.
func (s *Store) Put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	p, _ := s.path(key)
	if _, err := os.Stat(p); err == nil {
		return key, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("store blob: %w", err)
	}
	return key, nil
}

// Open opens a blob for reading.
func (s *Store) Open(key string) (io.ReadSeekCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// PutAll stores many files as Put does, several at a time: their syncs
// overlap, and the file system commits them together, so a batch costs
// about one sync instead of one each. keys[i] is the key of data[i].
func (s *Store) PutAll(data [][]byte) ([]string, error) {
	keys := make([]string, len(data))
	errs := make([]error, len(data))
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, d := range data {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			keys[i], errs[i] = s.Put(d)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return keys, nil
}

// Delete removes a blob; a missing one is not an error. The caller makes
// sure no row refers to it any more (blobs are shared by content).
func (s *Store) Delete(key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
