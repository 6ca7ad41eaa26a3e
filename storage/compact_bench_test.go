package storage

import (
	"encoding/json"
	"testing"
)

// benchMeeting is a closed regular meeting of a 200-member cell as the
// province benchmark writes it.
func benchMeeting() *Meeting {
	m := fullMeeting()
	m.Amendments, m.Score, m.Reviews, m.Guests, m.Roll, m.Code, m.Topic, m.Place = nil, nil, nil, nil, nil, "", "", ""
	m.Notified = nil
	for i := range 200 {
		m.Notified = append(m.Notified, uint64(40_000+i))
	}
	return m
}

// BenchmarkMeetingHeader compares reading and writing a meeting header,
// compact and as the JSON of before.
func BenchmarkMeetingHeader(b *testing.B) {
	m := benchMeeting()
	j, _ := json.Marshal(m)
	v, _ := encodeMeeting(m)
	k := itob(m.ID)
	b.Run("decode-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeMeeting(k, j); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(j)), "bytes")
	})
	b.Run("decode-compact", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeMeeting(k, v); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(v)), "bytes")
	})
	b.Run("encode-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-compact", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeMeeting(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheckin compares reading and writing a check-in.
func BenchmarkCheckin(b *testing.B) {
	c := fullCheckin()
	c.Lat, c.Lon, c.Late, c.Same, c.Corrections = nil, nil, false, false, 0
	delete(c.Answers, "")
	j, _ := json.Marshal(c)
	v, _ := encodeCheckin(c)
	k := checkinKey(c.MemberID, c.Period)
	b.Run("decode-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeCheckin(k, j); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(j)), "bytes")
	})
	b.Run("decode-compact", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeCheckin(k, v); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(v)), "bytes")
	})
	b.Run("encode-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-compact", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeCheckin(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
