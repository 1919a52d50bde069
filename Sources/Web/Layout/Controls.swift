import Plot

/// Form controls Plot does not model well (`<select>` with text options, `<textarea name>`), built
/// from Plot's escaped element and attribute primitives.
enum Controls {
    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    static func option(_ value: String, _ label: String, selected: Bool = false) -> Option {
        Option(value: value, label: label, selected: selected)
    }

    static func select<C>(_ name: String, _ options: [Option], required: Bool = false) -> Node<C> {
        var nodes: [Node<HTML.BodyContext>] = [.attr("name", name)]
        if required { nodes.append(.attribute(named: "required", value: nil, ignoreIfValueIsEmpty: false)) }
        for o in options {
            nodes.append(.element(named: "option", nodes: [
                Node<HTML.BodyContext>.attribute(named: "value", value: HTMLEscape.attribute(o.value), ignoreIfValueIsEmpty: false),
                o.selected ? .attribute(named: "selected", value: nil, ignoreIfValueIsEmpty: false) : .empty,
                .text(o.label),
            ]))
        }
        return .element(named: "select", nodes: nodes)
    }

    static func textarea<C>(_ name: String, required: Bool = true) -> Node<C> {
        .element(named: "textarea", nodes: [
            Node<HTML.BodyContext>.attr("name", name),
            required ? .attribute(named: "required", value: nil, ignoreIfValueIsEmpty: false) : .empty,
        ])
    }
}
