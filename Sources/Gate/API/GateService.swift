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
    /// One mint connection per HTTP worker: no lock on the request path.
    private let clients: [MintClient]
    /// Per worker too, for the same reason.
    private let requestIDs: [RequestIDSource]

    public init(configuration: GateConfiguration) {
        self.configuration = configuration
        self.validator = SAMLValidator(settings: configuration.serviceProvider)
        self.clients = (0..<max(1, configuration.http.workerCount)).map { _ in
            MintClient(socketPath: configuration.mintSocketPath)
        }
        self.requestIDs = clients.map { _ in RequestIDSource() }
    }

    // MARK: HTTP entry points

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let worker = request.workerIndex % clients.count
        let requestID = requestIDs[worker].make()
        let client = clients[worker]
        switch (request.method, request.path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return health(client)
        case ("GET", "/"), ("POST", "/"):
            return queryAPI(request, client: client, requestID: requestID)
        case (_, "/"):
            return errorResponse(AWSError(.invalidAction, "The Query API takes GET or POST, not \(request.method)."),
                                 service: .sts, requestID: requestID, status: 405)
        default:
            return HTTPResponse(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                body: Array("Not Found\n".utf8))
        }
    }

    /// Responses the HTTP layer generates itself (framing errors, limits, timeouts).
    public func httpError(status: Int, message: String) -> HTTPResponse {
        let code: AWSErrorCode = status == 503 ? .serviceUnavailable : (status >= 500 ? .internalFailure : .invalidParameterValue)
        let xml = AWSXML.error(AWSError(code, message), service: .sts, requestID: UUID().uuidString.lowercased())
        return HTTPResponse(status: status, headers: [("Content-Type", "text/xml")], body: Array(xml.utf8), closeConnection: true)
    }

    // MARK: routes

    private func health(_ client: MintClient) -> HTTPResponse {
        do {
            let reply = try client.call(.ping)
            anchors.observe(version: reply.configVersion)
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok\n".utf8))
        } catch {
            return HTTPResponse(status: 503, headers: [("Content-Type", "text/plain")], body: Array("mint unavailable\n".utf8))
        }
    }

    private func queryAPI(_ request: HTTPRequest, client: MintClient, requestID: String) -> HTTPResponse {
        let params: QueryParameters
        do {
            params = try QueryParameters.parse(rawQuery: request.rawQuery, body: request.body,
                                               contentType: request.header("Content-Type"))
        } catch {
            return errorResponse(asAWSError(error), service: .sts, requestID: requestID)
        }
        guard let action = params["Action"], !action.isEmpty else {
            return errorResponse(AWSError(.missingAction, "The request must contain the parameter Action."),
                                 service: .sts, requestID: requestID)
        }
        guard let service = ActionCatalog.service(of: action) else {
            return errorResponse(AWSError(.invalidAction, "The action \(String(action.prefix(128))) is not valid for this web service."),
                                 service: .sts, requestID: requestID)
        }
        let context = RequestContext(requestID: requestID, sourceIP: sourceAddress(request),
                                     userAgent: String((request.header("User-Agent") ?? "").prefix(1024)))
        if ActionCatalog.unsignedSTS.contains(action) {
            return federation(action: action, params: params, context: context, client: client)
        }
        let call = SignedCall(context: context, method: request.method, path: request.path, rawQuery: request.rawQuery,
                              headers: request.headers, body: request.body)
        return forward(.signedCall(call), service: service, client: client, requestID: requestID)
    }

    private func federation(action: String, params: QueryParameters, context: RequestContext, client: MintClient) -> HTTPResponse {
        switch action {
        case "AssumeRoleWithSAML":
            return AssumeRoleWithSAMLRoute(validator: validator, anchors: anchors)
                .handle(params: params, context: context, client: client, gate: self)
        default:
            return errorResponse(AWSError(.invalidAction, "\(action) is not supported by this broker yet."),
                                 service: .sts, requestID: context.requestID)
        }
    }

    func forward(_ request: MintRequest, service: AWSService, client: MintClient, requestID: String) -> HTTPResponse {
        do {
            let reply = try client.call(request)
            anchors.observe(version: reply.configVersion)
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
        } catch {
            return errorResponse(asAWSError(error), service: service, requestID: requestID)
        }
    }

    /// Best effort: an audit record of an input gate refused. Never delays or
    /// changes the answer to the client if mint is down.
    func report(_ rejection: Rejection, client: MintClient) {
        if let reply = try? client.call(.reportRejection(rejection)) { anchors.observe(version: reply.configVersion) }
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
