package faraway

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A check-in stored before typed state, with every key the map form used,
// reads into the same state, and that state survives its own JSON.
func TestCkForm_DecodeMap(t *testing.T) {
	old := map[string]string{"p": "2026-03", "i": "4", "fix": "1", "same": "1", "why": "dues",
		"a.place": "Thuận An", "a.note": "", "prev.phone": "0912345678", "prev.note": "",
		"lat": "10.900000", "lon": "106.700000"}
	var got ckForm
	if err := got.DecodeMap(old); err != nil {
		t.Fatal(err)
	}
	lat, lon := 10.9, 106.7
	want := ckForm{Period: "2026-03", Index: 4, Fix: true, Same: true, Why: "dues",
		Answers: map[string]string{"place": "Thuận An", "note": ""},
		Prev:    map[string]string{"phone": "0912345678", "note": ""}, Lat: &lat, Lon: &lon}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %+v\nwant %+v", got, want)
	}
	raw, err := json.Marshal(&got)
	if err != nil {
		t.Fatal(err)
	}
	var again ckForm
	if err := json.Unmarshal(raw, &again); err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip %s: %+v, %v", raw, again, err)
	}
	var bare ckForm // no location, a bad index: the first question, as before
	if err := bare.DecodeMap(map[string]string{"p": "2026-03", "i": "x"}); err != nil || bare.Index != 0 || bare.Lat != nil || bare.Answers != nil {
		t.Fatalf("bare %+v, %v", bare, err)
	}
}
