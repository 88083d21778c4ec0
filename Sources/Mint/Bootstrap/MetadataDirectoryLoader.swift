// Drop-in IdP metadata: every *.xml in the metadata directory becomes a SAML
// provider named after the file (corp.xml -> saml-provider/corp), created on first
// sight and updated when the document changes. A file that does not parse stops
// mint with the file's name and the parser's reason, rather than silently
// running without that IdP.
import Foundation

extension MintService {
    func loadMetadataDirectory() throws {
        guard let dir = configuration.metadataDirectory else { return }
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for file in files.sorted() where file.hasSuffix(".xml") {
            let name = String(file.dropLast(4))
            let path = dir + "/" + file
            guard !name.isEmpty, name.utf8.count <= 128, CharacterClasses.all(name, CharacterClasses.isProviderNameChar) else {
                throw MintStartupError("metadata file \(path): the file name must be a valid SAML provider name ([\\w._-]{1,128}) followed by .xml")
            }
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attrs[.size] as? NSNumber, size.intValue <= 10_000_000,
                  let document = PrivateFiles.read(path) else {
                throw MintStartupError("metadata file \(path): unreadable, not UTF-8, or larger than 10,000,000 bytes")
            }
            do {
                if let existing = snapshot.providers[name] {
                    if existing.metadataDocument != document {
                        try replaceProviderMetadata(name: name, arn: providerArn(name), document: document)
                    }
                } else {
                    try createProvider(name: name, document: document, tags: [])
                }
            } catch {
                throw MintStartupError("metadata file \(path): \(MintError.wire(error).message)")
            }
        }
    }
}
