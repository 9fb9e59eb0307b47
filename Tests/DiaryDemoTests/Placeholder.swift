import Testing
@testable import DiaryDemo
