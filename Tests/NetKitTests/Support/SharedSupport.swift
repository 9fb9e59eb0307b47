// The helpers shared with DiaryDemoTests live in the NetKitTestSupport target
// (Tests/NetKitTestSupport). Re-exported here, so every file of this test target
// sees them without an import of its own; NetKitTests-only helpers go in this folder.
@_exported import NetKitTestSupport
