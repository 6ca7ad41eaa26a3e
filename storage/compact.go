package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// Compact records (issue 15: the file's size per member-year). The most
// numerous records, check-ins and meeting headers, are stored as a format
// byte, their known fields in binary (varints, times as deltas) and a JSON
// tail holding every other field: a field added to the struct later lands
// in the tail without touching the codec. JSON never starts with a byte
// below 0x20, so a record from before (plain JSON) still decodes.
const (
	compactCheckin = 0x01 // Checkin, format 1 (checkins.go)
	compactMeeting = 0x02 // Meeting header, format 1 (meetings.go)
)

// errCompact means a compact record is cut short or malformed.
var errCompact = errors.New("malformed compact record")

// cw writes a compact record.
type cw struct {
	b    []byte
	last int64 // the previous time's unix seconds, base of the next delta
	off  int   // the previous time's zone offset in minutes
}

func (w *cw) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cw) varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *cw) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }

// bools writes up to 8 flags in one byte.
func (w *cw) bools(fs ...bool) {
	var x byte
	for i, f := range fs {
		if f {
			x |= 1 << i
		}
	}
	w.b = append(w.b, x)
}

// Time tags: the low two bits say the zone, bit 2 that nanoseconds follow.
const (
	timeZero    = 0 // time.Time{}: nothing follows
	timeUTC     = 1
	timeSameOff = 2 // the previous time's offset
	timeOff     = 3 // an offset in minutes follows
	timeNanos   = 4
)

// time writes t as JSON keeps it (RFC 3339: the instant, the zone's offset
// in whole minutes, "Z" for a zero offset): a tag, the seconds since the
// previous time of the record, the nanoseconds if any, the offset if new.
func (w *cw) time(t time.Time) {
	if t.IsZero() {
		w.b = append(w.b, timeZero)
		return
	}
	_, sec := t.Zone()
	off := sec / 60
	tag := byte(timeOff)
	switch {
	case off == 0:
		tag = timeUTC
	case off == w.off:
		tag = timeSameOff
	}
	if t.Nanosecond() != 0 {
		tag |= timeNanos
	}
	w.b = append(w.b, tag)
	s := t.Unix() + int64(sec-off*60) // JSON keeps the wall clock and whole minutes of offset
	w.varint(s - w.last)
	w.last = s
	if t.Nanosecond() != 0 {
		w.uvarint(uint64(t.Nanosecond()))
	}
	if tag&3 == timeOff {
		w.varint(int64(off))
	}
	if off != 0 {
		w.off = off
	}
}

// ids writes a list of ids in their order, each as the difference from
// the one before.
func (w *cw) ids(ids []uint64) {
	w.uvarint(uint64(len(ids)))
	prev := uint64(0)
	for _, id := range ids {
		w.varint(int64(id - prev))
		prev = id
	}
}

// tail appends v's JSON (the fields the codec does not know) with its length.
func (w *cw) tail(v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if string(j) == "{}" {
		j = nil
	}
	w.str(string(j))
	return nil
}

// cr reads a compact record; the first error sticks.
type cr struct {
	b    []byte
	err  error
	last int64
	off  int
}

func (r *cr) fail() { r.err, r.b = errCompact, nil }

func (r *cr) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cr) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cr) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *cr) str() string { return string(r.bytes()) }

func (r *cr) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	x := r.b[0]
	r.b = r.b[1:]
	return x
}

// time reads what cw.time wrote, in the location JSON would give: UTC for
// a zero offset, Local when its offset then is the one stored, else a
// fixed zone without a name.
func (r *cr) time() time.Time {
	tag := r.byte()
	if tag == timeZero || r.err != nil {
		return time.Time{}
	}
	s := r.last + r.varint()
	r.last = s
	ns := int64(0)
	if tag&timeNanos != 0 {
		ns = int64(r.uvarint())
	}
	off := 0
	switch tag & 3 {
	case timeSameOff:
		off = r.off
	case timeOff:
		off = int(r.varint())
	}
	if off != 0 {
		r.off = off
	}
	t := time.Unix(s, ns)
	if off == 0 {
		return t.UTC()
	}
	if _, local := t.Zone(); local == off*60 {
		return t // time.Unix gives Local
	}
	return t.In(time.FixedZone("", off*60))
}

func (r *cr) ids() []uint64 {
	n := r.uvarint()
	if n > uint64(len(r.b)) { // each id takes a byte at least
		r.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	ids := make([]uint64, n)
	prev := uint64(0)
	for i := range ids {
		prev += uint64(r.varint())
		ids[i] = prev
	}
	return ids
}

func (r *cr) float() float64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

// tail decodes the JSON tail into v.
func (r *cr) tail(v any) {
	j := r.bytes()
	if len(j) == 0 || r.err != nil {
		return
	}
	if err := json.Unmarshal(j, v); err != nil {
		r.err = err
	}
}

// end is the reader's error, or an error if bytes are left over.
func (r *cr) end() error {
	if r.err == nil && len(r.b) != 0 {
		return errCompact
	}
	return r.err
}

// codes maps a few known string values to one byte (1..len), any other
// string written after a 0.
func (w *cw) code(s string, known []string) {
	for i, k := range known {
		if k == s {
			w.b = append(w.b, byte(i+1))
			return
		}
	}
	w.b = append(w.b, 0)
	w.str(s)
}

func (r *cr) code(known []string) string {
	i := int(r.byte())
	switch {
	case r.err != nil:
		return ""
	case i == 0:
		return r.str()
	case i <= len(known):
		return known[i-1]
	}
	r.fail()
	return ""
}

// omit is a JSON field of a tail's shadow struct that hides the embedded
// record's field of the same name (always nil: never written).
type omit *struct{}
