package chat

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// Stored is what the stored form gives back: the sender sends a message
// just committed as Stored says, and one read back from the outbox as its
// JSON decodes; the two must be the same message.
func TestMessage_StoredIsTheJSONRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	m := Message{Transport: "telegram", Chat: "42", Group: true, Text: "Xin chào", Buttons: [][]Button{{{Label: "Có", Data: "y"}}},
		RequestLocation: "Gửi vị trí", EditMessageID: "7", RecipientID: 9, NotBefore: at,
		PartsSent: 2, OnPart: func(int) {}, Key: "reminder/x", KeyUntil: at}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if got := m.Stored(); !reflect.DeepEqual(got, back) {
		t.Fatalf("Stored() = %+v\nthe JSON gives %+v", got, back)
	}
}
