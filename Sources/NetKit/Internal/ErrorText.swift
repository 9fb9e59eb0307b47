import CNetKitShims

// The system's text for an error number or resolver code.

/// `strerror_r` into a stack buffer; `nil` when the system has no message.
func errorMessage(_ error: CInt) -> String? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String? in
        guard let base = buffer.baseAddress else { return nil }
        base.initialize(to: 0)
        guard system_strerror_r(error, base, buffer.count) == 0 else { return nil }
        return String(cString: base)
    }
}

/// `gai_strerror` for an `EAI_*` code.
func resolverMessage(_ code: CInt) -> String {
    String(cString: system_gai_strerror(code))
}
