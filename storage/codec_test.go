package storage

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"crmbot/crm"
)

// fill sets every field of the struct v points to a distinct non-zero value, so a
// field the codec forgets comes back zero and the round trip fails.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 1+*n, 9, *n, 0, *n, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), n)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Uint64, reflect.Uint8:
		v.SetUint(uint64(*n))
	case reflect.Int64, reflect.Int:
		v.SetInt(-int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

func TestCodecCoversEveryField(t *testing.T) {
	for _, v := range []any{&crm.Company{}, &crm.Contact{}, &crm.Interest{}, &crm.Interaction{}, &crm.AuditEntry{}} {
		t.Run(reflect.TypeOf(v).Elem().Name(), func(t *testing.T) {
			n := 0
			fill(t, reflect.ValueOf(v), &n)
			data, err := encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if data[0] != binaryVersion {
				t.Fatalf("encoded with version %d, want %d", data[0], binaryVersion)
			}
			got := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := decode(data, got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Errorf("round trip lost a field:\n got %+v\nwant %+v", got, v)
			}
			// Every truncation is an error, never a silently short record.
			for i := 1; i < len(data); i++ {
				if err := decode(data[:i], got); err == nil {
					t.Errorf("decode of %d of %d bytes succeeded", i, len(data))
				}
			}
		})
	}
}

// Records written as JSON (version 1) stay readable after the binary form arrived.
func TestDecodeJSONRecords(t *testing.T) {
	want := &crm.Interest{ID: 4, Stage: crm.StageMeeting, Value: 10, CreatedAt: t0, Next: crm.NextAction{What: "x", Due: t0}}
	b, _ := json.Marshal(want)
	got := new(crm.Interest)
	if err := decode(append([]byte{recordVersion}, b...), got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if err := decode([]byte{9, 1, 2}, got); err == nil {
		t.Error("unknown version decoded")
	}
}

func TestTimesComeBackUTC(t *testing.T) {
	zagreb := time.FixedZone("CET", 3600)
	in := &crm.Interaction{ID: 1, At: time.Date(2026, 3, 2, 10, 0, 0, 5, zagreb)}
	data, _ := encode(in)
	var got crm.Interaction
	if err := decode(data, &got); err != nil {
		t.Fatal(err)
	}
	if !got.At.Equal(in.At) || got.At.Location() != time.UTC {
		t.Errorf("At = %v, want %v in UTC", got.At, in.At)
	}
}

// BenchmarkDecodeInterest compares the two record forms on a typical open interest.
func BenchmarkDecodeInterest(b *testing.B) {
	in := &crm.Interest{ID: 4242, Kind: crm.KindInterest, CompanyID: 17, ContactID: 17, OwnerID: 3,
		Segment: crm.SegmentCorporate, Need: "video-conferencing for the offices", Value: 12000, Currency: "EUR",
		Stage: crm.StageDeliberating, Deliberation: crm.DeliberationBudget,
		Next: crm.NextAction{What: "next.budget", Due: t0}, CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0}
	js, _ := json.Marshal(in)
	bin, _ := encode(in)
	for _, bc := range []struct {
		name string
		data []byte
	}{{"json", append([]byte{recordVersion}, js...)}, {"binary", bin}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var i crm.Interest
				if err := decode(bc.data, &i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
