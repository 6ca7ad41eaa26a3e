// Package filelink publishes pictures and files at signed, expiring links
// served by chibo's own HTTP listener, for messengers that cannot carry
// files (the Zalo Bot Platform sends pictures by public URL only, and no
// documents at all).
//
// A link is Base + "/f/<id>/<expiry>/<signature>": id is 128 random bits,
// expiry a Unix time, signature an HMAC-SHA256 of both under a key kept in
// the database. Nothing personal is in a URL; a link works for its one
// file until it expires, and the file is deleted after.
package filelink

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Prefix is the path under which links are served.
const Prefix = "/f/"

// DefaultTTL is how long a link works when Store.TTL is zero.
const DefaultTTL = 24 * time.Hour

// keyMeta is the meta key of the signing key.
const keyMeta = "filelink.key"

// Store publishes and serves files. Its methods are safe for concurrent use.
type Store struct {
	DB *storage.DB
	// Base is the public URL of chibo's listener, e.g. "https://chibo.example.org".
	Base string
	// TTL is how long a link works. Zero means DefaultTTL.
	TTL time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	key []byte
}

// Open loads (or makes, the first time) the signing key.
func Open(db *storage.DB, base string, ttl time.Duration, now func() time.Time) (*Store, error) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	s := &Store{DB: db, Base: strings.TrimRight(base, "/"), TTL: ttl, Now: now}
	err := db.Update(func(tx *storage.Tx) error {
		if k := tx.Meta(keyMeta); len(k) == 32 {
			s.key = append([]byte(nil), k...)
			return nil
		}
		s.key = make([]byte, 32)
		rand.Read(s.key)
		return tx.PutMeta(keyMeta, s.key)
	})
	if err != nil {
		return nil, fmt.Errorf("file links: %w", err)
	}
	return s, nil
}

// Publish stores d and returns its link and when the link stops working.
// Expired files are deleted on the way.
func (s *Store) Publish(d *chat.Document) (string, time.Time, error) {
	if d == nil || len(d.Data) == 0 {
		return "", time.Time{}, errors.New("file links: nothing to publish")
	}
	var raw [16]byte
	rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.Now()
	f := &storage.FileLink{ID: id, Name: path.Base(d.Name), MIME: d.MIME, Data: d.Data, Created: now, Expires: now.Add(s.TTL)}
	if err := s.DB.Update(func(tx *storage.Tx) error {
		if _, err := tx.DeleteExpiredFileLinks(now, 100); err != nil {
			return err
		}
		return tx.PutFileLink(f)
	}); err != nil {
		return "", time.Time{}, fmt.Errorf("file links: %w", err)
	}
	exp := strconv.FormatInt(f.Expires.Unix(), 10)
	return s.Base + Prefix + id + "/" + exp + "/" + s.sign(id, exp), f.Expires, nil
}

// Sweep deletes the files whose links expired.
func (s *Store) Sweep() error {
	for {
		n := 0
		if err := s.DB.Update(func(tx *storage.Tx) error {
			var err error
			n, err = tx.DeleteExpiredFileLinks(s.Now(), 500)
			return err
		}); err != nil || n < 500 {
			return err
		}
	}
}

func (s *Store) sign(id, exp string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id + "/" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ServeHTTP serves a link: the file when the signature is right and the
// link has not expired; 404 otherwise (an expired link looks like no link).
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	if len(parts) != 3 {
		http.NotFound(w, r)
		return
	}
	id, exp, sig := parts[0], parts[1], parts[2]
	unix, err := strconv.ParseInt(exp, 10, 64)
	now := s.Now()
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.sign(id, exp))) || !now.Before(time.Unix(unix, 0)) {
		http.NotFound(w, r)
		return
	}
	var f *storage.FileLink
	if err := s.DB.View(func(tx *storage.Tx) error {
		var err error
		f, err = tx.FileLink(id)
		return err
	}); err != nil || !now.Before(f.Expires) {
		http.NotFound(w, r)
		return
	}
	ctype := f.MIME
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	disp := "attachment"
	if strings.HasPrefix(ctype, "image/") {
		disp = "inline"
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Name}))
	w.Write(f.Data)
}
