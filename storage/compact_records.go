package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// checkinTail is a Checkin's JSON tail: the fields encodeCheckin writes in
// binary are hidden (the member and the period are the record's key).
type checkinTail struct {
	Checkin
	XMemberID    omit `json:"member_id,omitempty"`
	XCellID      omit `json:"cell_id,omitempty"`
	XPeriod      omit `json:"period,omitempty"`
	XAt          omit `json:"at,omitempty"`
	XUpdated     omit `json:"updated,omitempty"`
	XLate        omit `json:"late,omitempty"`
	XSame        omit `json:"same,omitempty"`
	XCorrections omit `json:"corrections,omitempty"`
	XAnswers     omit `json:"answers,omitempty"`
	XLat         omit `json:"lat,omitempty"`
	XLon         omit `json:"lon,omitempty"`
}

// encodeCheckin is c's stored form (compactCheckin): the cell, the two
// times, the flags, the corrections, the answers in key order, the
// location if any, and the JSON tail.
func encodeCheckin(c *Checkin) ([]byte, error) {
	w := &cw{b: make([]byte, 0, 96)}
	w.b = append(w.b, compactCheckin)
	w.uvarint(c.CellID)
	w.time(c.At)
	w.time(c.Updated)
	w.bools(c.Late, c.Same, c.Lat != nil, c.Lon != nil, c.Answers == nil)
	w.uvarint(uint64(c.Corrections))
	keys := make([]string, 0, len(c.Answers))
	for k := range c.Answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.str(c.Answers[k])
	}
	for _, f := range []*float64{c.Lat, c.Lon} {
		if f != nil {
			w.b = binary.BigEndian.AppendUint64(w.b, math.Float64bits(*f))
		}
	}
	if err := w.tail(&checkinTail{Checkin: *c}); err != nil {
		return nil, err
	}
	return w.b, nil
}

// decodeCheckin reads a stored check-in under key (member id + period):
// compact, or the JSON of older files.
func decodeCheckin(key, v []byte) (*Checkin, error) {
	if len(v) == 0 || v[0] != compactCheckin {
		var c Checkin
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, fmt.Errorf("decode %x: %w", key, err)
		}
		return &c, nil
	}
	if len(key) != 8+7 {
		return nil, fmt.Errorf("decode %x: not a check-in's key", key)
	}
	r := &cr{b: v[1:]}
	t := &checkinTail{}
	c := &t.Checkin
	c.MemberID, c.Period = btoi(key[:8]), string(key[8:])
	c.CellID = r.uvarint()
	c.At = r.time()
	c.Updated = r.time()
	flags := r.byte()
	c.Late, c.Same = flags&1 != 0, flags&2 != 0
	c.Corrections = int(r.uvarint())
	n := r.uvarint()
	if flags&16 != 0 && n != 0 {
		r.fail()
	}
	if flags&16 == 0 {
		c.Answers = make(map[string]string, min(n, 64))
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.str()
		c.Answers[k] = r.str()
	}
	for i, p := range []**float64{&c.Lat, &c.Lon} {
		if flags&(4<<i) != 0 {
			f := r.float()
			*p = &f
		}
	}
	r.tail(t)
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("decode %x: %w", key, err)
	}
	return c, nil
}
