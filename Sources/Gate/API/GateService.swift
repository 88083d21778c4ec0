// gate's request handling: HTTP in, AWS Query API out. Unsigned federation
// actions are validated here (this is where hostile bytes are parsed); signed
// actions are forwarded whole to mint, which verifies and decides.
import Foundation
import BrokerCore
import HTTPServer
import SAML

public final class GateService {
    private let configuration: GateConfiguration
    private let validator: SAMLValidator
    private let anchors = TrustAnchorCache()
    /// Per HTTP worker, touched only by its thread: no lock on the request path.
    private let links: [WorkerLink]

    /// What one worker owns: its pipelined connection to mint (made when the worker
    /// starts, on its loop), a blocking client for the rare trust-anchor refetch, and
    /// its request-id source.
    final class WorkerLink {
        var pipeline: MintPipeline?
        let client: MintClient
        let requestIDs = RequestIDSource()
        init(client: MintClient) { self.client = client }
    }

    public init(configuration: GateConfiguration) {
        self.configuration = configuration
        self.validator = SAMLValidator(settings: configuration.serviceProvider)
        self.links = (0..<max(1, configuration.http.workerCount)).map { _ in
            WorkerLink(client: MintClient(socketPath: configuration.mintSocketPath))
        }
    }

    // MARK: HTTP entry points

    /// Called on each HTTP worker's thread before it serves anything.
    public func workerStarted(_ loop: WorkerLoop) {
        links[loop.index % links.count].pipeline = MintPipeline(socketPath: configuration.mintSocketPath, loop: loop)
    }

    /// Answers at once (validation failures, local errors) or when mint replies.
    public func handle(_ request: HTTPRequest, responder: Responder) {
        let link = links[request.workerIndex % links.count]
        switch answer(request, link: link) {
        case .now(let response):
            responder.respond(response)
        case .mint(let call, let service, let requestID):
            send(call, on: link) { result in
                responder.respond(self.forwarded(result, service: service, requestID: requestID))
            }
        case .health:
            send(.ping, on: link) { result in
                switch result {
                case .success:
                    responder.respond(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok\n".utf8)))
                case .failure:
                    responder.respond(HTTPResponse(status: 503, headers: [("Content-Type", "text/plain")],
                                                   body: Array("mint unavailable\n".utf8)))
                }
            }
        }
    }

    /// How a request is answered: decided synchronously, with mint's part (if any) left to the caller.
    enum Answer {
        case now(HTTPResponse)
        case mint(MintRequest, service: AWSService, requestID: String)
        case health
    }

    private func answer(_ request: HTTPRequest, link: WorkerLink) -> Answer {
        let requestID = link.requestIDs.make()
        switch (request.method, request.path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return .health
        case ("GET", "/"), ("POST", "/"):
            return queryAPI(request, link: link, requestID: requestID)
        case (_, "/"):
            return .now(errorResponse(AWSError(.invalidAction, "The Query API takes GET or POST, not \(request.method)."),
                                      service: .sts, requestID: requestID, status: 405))
        default:
            return .now(HTTPResponse(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                     body: Array("Not Found\n".utf8)))
        }
    }

    /// One request to mint through the worker's pipeline; every reply also tells the
    /// configuration version, which is how gate learns its trust anchors are stale.
    private func send(_ call: MintRequest, on link: WorkerLink, _ completion: @escaping (Result<MintReply, MintLinkError>) -> Void) {
        guard let pipeline = link.pipeline else {
            completion(.failure(.unavailable("worker has no link to mint")))
            return
        }
        pipeline.call(call) { [anchors] result in
            if case .success(let reply) = result { anchors.observe(version: reply.configVersion) }
            completion(result)
        }
    }

    /// Responses the HTTP layer generates itself (framing errors, limits, timeouts).
    public func httpError(status: Int, message: String) -> HTTPResponse {
        let code: AWSErrorCode = status == 503 ? .serviceUnavailable : (status >= 500 ? .internalFailure : .invalidParameterValue)
        let xml = AWSXML.error(AWSError(code, message), service: .sts, requestID: UUID().uuidString.lowercased())
        return HTTPResponse(status: status, headers: [("Content-Type", "text/xml")], body: Array(xml.utf8), closeConnection: true)
    }

    // MARK: routes

    private func queryAPI(_ request: HTTPRequest, link: WorkerLink, requestID: String) -> Answer {
        let params: QueryParameters
        do {
            params = try QueryParameters.parse(rawQuery: request.rawQuery, body: request.body,
                                               contentType: request.header("Content-Type"))
        } catch {
            return .now(errorResponse(asAWSError(error), service: .sts, requestID: requestID))
        }
        guard let action = params["Action"], !action.isEmpty else {
            return .now(errorResponse(AWSError(.missingAction, "The request must contain the parameter Action."),
                                      service: .sts, requestID: requestID))
        }
        guard let service = ActionCatalog.service(of: action) else {
            return .now(errorResponse(AWSError(.invalidAction, "The action \(String(action.prefix(128))) is not valid for this web service."),
                                      service: .sts, requestID: requestID))
        }
        let context = RequestContext(requestID: requestID, sourceIP: sourceAddress(request),
                                     userAgent: String((request.header("User-Agent") ?? "").prefix(1024)))
        if ActionCatalog.unsignedSTS.contains(action) {
            return federation(action: action, params: params, context: context, link: link)
        }
        let call = SignedCall(context: context, method: request.method, path: request.path, rawQuery: request.rawQuery,
                              headers: request.headers, body: request.body)
        return .mint(.signedCall(call), service: service, requestID: requestID)
    }

    private func federation(action: String, params: QueryParameters, context: RequestContext, link: WorkerLink) -> Answer {
        switch action {
        case "AssumeRoleWithSAML":
            return AssumeRoleWithSAMLRoute(validator: validator, anchors: anchors)
                .handle(params: params, context: context, client: link.client, report: { self.report($0, link: link) },
                        errorResponse: errorResponse)
        default:
            return .now(errorResponse(AWSError(.invalidAction, "\(action) is not supported by this broker yet."),
                                      service: .sts, requestID: context.requestID))
        }
    }

    /// mint's answer to a forwarded call, as the HTTP response.
    private func forwarded(_ result: Result<MintReply, MintLinkError>, service: AWSService, requestID: String) -> HTTPResponse {
        switch result {
        case .failure(let error):
            return errorResponse(asAWSError(error), service: service, requestID: requestID)
        case .success(let reply):
            guard case .callResult(_, let result) = reply else {
                return errorResponse(AWSError(.internalFailure, "mint answered with an unexpected reply."), service: service, requestID: requestID)
            }
            switch result {
            case .success(let action, let svc, let xml):
                let body = AWSXML.success(action: action, service: svc, resultXML: xml, requestID: requestID)
                return HTTPResponse(status: 200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestID)],
                                    body: Array(body.utf8))
            case .failure(let svc, let error):
                return errorResponse(error, service: svc, requestID: requestID)
            }
        }
    }

    /// Best effort: an audit record of an input gate refused. Sent without waiting:
    /// it never delays or changes the answer to the client, whether mint is up or not.
    private func report(_ rejection: Rejection, link: WorkerLink) {
        send(.reportRejection(rejection), on: link) { _ in }
    }

    func errorResponse(_ error: AWSError, service: AWSService, requestID: String, status: Int? = nil) -> HTTPResponse {
        let body = AWSXML.error(error, service: service, requestID: requestID)
        var headers: [(String, String)] = [("Content-Type", "text/xml"), ("x-amzn-RequestId", requestID)]
        if error.code == .serviceUnavailable { headers.append(("Retry-After", "1")) }
        return HTTPResponse(status: status ?? error.code.httpStatus, headers: headers, body: Array(body.utf8))
    }

    private func sourceAddress(_ request: HTTPRequest) -> String {
        if configuration.trustForwardedFor, let xff = request.header("X-Forwarded-For"),
           let first = xff.split(separator: ",").first {
            let ip = first.trimmingCharacters(in: .whitespaces)
            if !ip.isEmpty && ip.count <= 45 { return ip }
        }
        return request.remoteAddress
    }
}

/// The single place where errors from gate's layers become AWS errors.
func asAWSError(_ error: Error) -> AWSError {
    switch error {
    case let e as AWSError: return e
    case let e as AWSErrorConvertible: return e.awsError
    case MintLinkError.unavailable:
        return AWSError(.serviceUnavailable, "The token service is temporarily unavailable. Please retry.")
    default:
        return AWSError(.internalFailure, "The request could not be processed.")
    }
}
