/// Finds CRLF-terminated lines in a byte stream that arrives in pieces.
///
/// Strict on purpose: a line ends only at CRLF. A bare LF or a CR followed by anything
/// but LF is refused at once (not tolerated), because parsers that disagree on line
/// ends are how request smuggling works, and refusing early means a client cannot
/// keep the connection open by never sending the CRLF we are waiting for.
enum LineScan {
    /// `contentEnd` excludes the CRLF; `next` is the first byte after it.
    case complete(contentEnd: Int, next: Int)
    case incomplete
    case failed(HTTPRequestError)
}

/// Scans the line starting at `start`. `resume` carries, between calls, how many bytes
/// of this line were already checked, so a line that trickles in is not rescanned.
/// A line whose content exceeds `maxContent` bytes fails with `tooLong` as soon as that is certain.
@inline(__always)
func scanLine(_ p: UnsafeBufferPointer<UInt8>, start: Int, resume: inout Int,
              maxContent: Int, tooLong: HTTPRequestError) -> LineScan {
    let end = p.count
    let limitEnd = start + maxContent + 2   // content + CRLF
    let stop = min(end, limitEnd)
    var i = start + resume
    while i < stop {
        let b = p[i]
        if b == ASCII.lf {
            guard i > start && p[i - 1] == ASCII.cr else { return .failed(.bareLF) }
            resume = 0
            return .complete(contentEnd: i - 1, next: i + 1)
        }
        if b == ASCII.cr && i + 1 < end && p[i + 1] != ASCII.lf { return .failed(.bareCR) }
        if b == 0 { return .failed(.nulByte) }
        i += 1
    }
    if stop == limitEnd { return .failed(tooLong) }
    // Re-check the last byte next time: a trailing CR can only be judged once its successor arrives.
    resume = max(0, end - start - 1)
    return .incomplete
}
