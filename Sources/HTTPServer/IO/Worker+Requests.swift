import Glibc

/// Reading, parsing, answering and writing for one connection: the hot path.
extension Worker {
    /// Above this much unwritten output, stop parsing pipelined requests until the peer reads:
    /// a client that pipelines without reading cannot make us buffer without bound.
    static let outputHighWater = 64 * 1024
    /// After a final response, how long and how much we keep reading (and dropping) so our
    /// close does not become a reset that destroys the response in the client's receive buffer.
    static let lingerSeconds = 2.0
    static let lingerMaxBytes = 256 * 1024

    func connectionReadable(_ connection: Connection) {
        let n = read(connection.fd, readBuffer.baseAddress!, readBuffer.count)
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            closeConnection(connection)
            return
        }
        if connection.lingering {
            connection.lingerDiscarded += n
            if n == 0 || connection.lingerDiscarded > Worker.lingerMaxBytes { closeConnection(connection) }
            return
        }
        if n == 0 {
            connection.peerClosed = true
        } else if connection.closeAfterFlush {
            // Already refused or finished: bytes after that are never parsed.
        } else {
            if connection.requestStartedAt == nil && connection.parser.phase == .awaitingRequest {
                connection.requestStartedAt = now
            }
            let fresh = UnsafeBufferPointer(rebasing: readBuffer[0..<n])
            if connection.inbound.isEmpty {
                // Common case: the whole request is in this read; parse it where it landed.
                let consumed = process(fresh, on: connection)
                if consumed < n { connection.inbound.append(contentsOf: UnsafeBufferPointer(rebasing: fresh[consumed...])) }
            } else {
                connection.inbound.append(contentsOf: fresh)
                processBuffered(connection)
            }
        }
        if connection.peerClosed && !connection.closeAfterFlush && !connection.awaitingResponse {
            // The client finished sending; a partial request it left behind can never complete.
            connection.closeAfterFlush = true
        }
        afterProgress(connection)
    }

    func connectionWritable(_ connection: Connection) {
        afterProgress(connection)
    }

    private func processBuffered(_ connection: Connection) {
        let consumed = connection.inbound.withUnsafeBufferPointer { process($0, on: connection) }
        if consumed == connection.inbound.count {
            connection.inbound.removeAll(keepingCapacity: connection.inbound.capacity <= 16 * 1024)
        } else if consumed > 0 {
            connection.inbound.removeSubrange(0..<consumed)
        }
    }

    /// Parses and answers every complete request in `bytes`, in order. Returns how many bytes were consumed.
    /// Must not touch `connection.inbound`: `bytes` may point into it.
    private func process(_ bytes: UnsafeBufferPointer<UInt8>, on connection: Connection) -> Int {
        var offset = 0
        connection.heldBackByOutput = false
        while !connection.closeAfterFlush && !connection.awaitingResponse {
            guard connection.pendingOutputBytes < Worker.outputHighWater else {
                connection.heldBackByOutput = true
                return offset
            }
            let (consumed, outcome) = connection.parser.parse(UnsafeBufferPointer(rebasing: bytes[offset...]))
            offset += consumed
            switch outcome {
            case .needMore:
                if connection.parser.phase == .body && connection.bodyStartedAt == nil {
                    connection.bodyStartedAt = now
                }
                if connection.parser.expectsContinue && !connection.continueSent {
                    connection.continueSent = true
                    appendStatic(ResponseSerializer.continueLine, to: &connection.outbound)
                }
                return offset
            case .failed(let error):
                queueErrorResponse(error, on: connection)
                return offset
            case .complete(let request):
                let answered = respond(to: request, on: connection)
                connection.bodyStartedAt = nil
                connection.continueSent = false
                connection.requestStartedAt = offset < bytes.count ? now : nil
                if !answered { return offset }
            }
        }
        return offset
    }

    /// Runs the handler; true when it answered before returning (the answer is then queued).
    private func respond(to parsed: ParsedRequest, on connection: Connection) -> Bool {
        connection.requestsServed += 1
        connection.requestSerial &+= 1
        let pending = PendingRequest(serial: connection.requestSerial, keepAlive: parsed.keepAlive,
                                     versionMinor: parsed.versionMinor, headOnly: parsed.method == "HEAD")
        connection.pending = pending
        let request = HTTPRequest(method: parsed.method, target: parsed.target, path: parsed.path,
                                  rawQuery: parsed.rawQuery, headers: parsed.headers, body: parsed.body,
                                  remoteAddress: connection.remoteAddress, workerIndex: index)
        connection.inHandler = true
        context.handler(request, Responder(worker: self, connection: connection, serial: pending.serial))
        connection.inHandler = false
        now = monotonicSeconds()   // the handler may have taken a while (SAML validation)
        guard let response = connection.answeredInHandler else { return false }
        connection.answeredInHandler = nil
        queue(response, for: pending, on: connection)
        return true
    }

    /// A Responder's answer: kept for `respond(to:on:)` while the handler runs, otherwise
    /// written now, after which the requests pipelined behind it are served.
    func complete(_ connection: Connection, serial: UInt64, with response: HTTPResponse) {
        guard let pending = connection.pending, pending.serial == serial else { return }
        connection.pending = nil
        if connection.inHandler {
            connection.answeredInHandler = response
            return
        }
        guard connections[connection.fd] === connection else { return }   // closed while it waited
        now = monotonicSeconds()
        queue(response, for: pending, on: connection)
        if !connection.inbound.isEmpty && !connection.closeAfterFlush { processBuffered(connection) }
        if connection.peerClosed && !connection.awaitingResponse { connection.closeAfterFlush = true }
        afterProgress(connection)
    }

    private func queue(_ response: HTTPResponse, for pending: PendingRequest, on connection: Connection) {
        var response = response
        if let defect = ResponseSerializer.defect(in: response) {
            response = sendable(context.errorResponse(500, "handler produced an invalid response: \(defect)"), 500)
        }
        noteOutputStarts(connection)
        let close = !pending.keepAlive || response.closeConnection || connection.peerClosed
            || connection.requestsServed >= context.configuration.maxRequestsPerConnection || context.isShuttingDown
        serializer.append(response, to: &connection.outbound, close: close,
                          http10KeepAlive: !close && pending.versionMinor == 0, headOnly: pending.headOnly)
        if close { connection.closeAfterFlush = true }
        connection.idleSince = now
    }

    /// The server's own refusals: rendered by the caller's `errorResponse`, always closing the connection.
    func queueErrorResponse(_ error: HTTPRequestError, on connection: Connection) {
        let response = sendable(context.errorResponse(error.status, error.description), error.status)
        noteOutputStarts(connection)
        serializer.append(response, to: &connection.outbound, close: true, http10KeepAlive: false, headOnly: false)
        connection.closeAfterFlush = true
        connection.requestStartedAt = nil
        connection.bodyStartedAt = nil
    }

    /// The write-stall clock starts when output is queued, not at the last write of some earlier response.
    private func noteOutputStarts(_ connection: Connection) {
        if !connection.hasPendingOutput { connection.lastWriteProgress = now }
    }

    private func sendable(_ response: HTTPResponse, _ status: Int) -> HTTPResponse {
        if ResponseSerializer.defect(in: response) == nil { return response }
        return builtInErrorResponse(status, "internal error")
    }

    /// After any progress: write, then decide what to wait for next.
    func afterProgress(_ connection: Connection) {
        guard connections[connection.fd] != nil, !connection.lingering else { return }
        while connection.hasPendingOutput {
            switch connection.flush(now: now) {
            case .failed:
                closeConnection(connection)
                return
            case .pending:
                // Stop reading until the peer takes our output: that is the backpressure.
                setInterest(connection, Worker.writable)
                return
            case .drained:
                // Pipelined requests held back by the high-water mark can go now; no new bytes will wake us for them.
                if connection.heldBackByOutput && !connection.closeAfterFlush { processBuffered(connection) }
            }
        }
        if connection.awaitingResponse {
            // Nothing is read until the answer is out (pipelined bytes wait in `inbound`,
            // or in the socket). Interest in input is dropped only once input arrives
            // (dispatch): a client that waits for its answer, as almost all do, costs
            // no epoll_ctl per request. Errors and hang-ups still close the connection.
            if connection.registeredEvents == Worker.writable { setInterest(connection, Worker.readable) }
        } else if connection.closeAfterFlush {
            startLingering(connection)
        } else if draining && isIdle(connection) {
            closeConnection(connection)
        } else {
            setInterest(connection, Worker.readable)
        }
    }

    private func startLingering(_ connection: Connection) {
        if connection.peerClosed {
            closeConnection(connection)
            return
        }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.lingering = true
        connection.lingerDeadline = now + min(Worker.lingerSeconds, context.configuration.idleTimeoutSeconds)
        connection.inbound = []
        setInterest(connection, Worker.readable)
    }
}
