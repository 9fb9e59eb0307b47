import CBaseline
import NetKit

// The async section on NetKit's async layer (placeholder until it is merged).

enum AsyncNetKit {
    static func pingPong(onLoop: Bool, tcp: Bool, size: Int, seconds: Double, maxRoundTrips: UInt64) throws -> AsyncSample {
        throw BenchmarkFailure("NetKit's async layer is not merged yet")
    }

    static func serve(onLoop: Bool, tcp: Bool) throws -> Never {
        throw BenchmarkFailure("NetKit's async layer is not merged yet")
    }
}
