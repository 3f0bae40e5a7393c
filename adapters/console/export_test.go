package console

// PrivateHistory exposes privateHistory to the tests.
var PrivateHistory = privateHistory
