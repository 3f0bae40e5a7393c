package crm

import "time"

// HorizonYears is how far ahead a follow-up may be set. Beyond it a date is almost
// certainly a typo ("in 99999999 days"), and far enough out that storage keys and the
// JSON export, which encode four-digit years, would break.
const HorizonYears = 5

// Horizon returns the latest instant a follow-up may be due, seen from now.
func Horizon(now time.Time) time.Time { return now.AddDate(HorizonYears, 0, 0) }
