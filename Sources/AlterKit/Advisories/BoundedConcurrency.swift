/// Runs `body` over `items` with at most `limit` running at once; results in the order of `items`.
/// `completed` is told how many have finished after each one (on the calling task, one at a time).
func boundedConcurrentMap<Item: Sendable, Output: Sendable>(
    _ items: [Item], limit: Int, completed: ((Int) -> Void)? = nil,
    _ body: @escaping @Sendable (Item) async -> Output
) async -> [Output] {
    guard !items.isEmpty else { return [] }
    return await withTaskGroup(of: (Int, Output).self) { group in
        var results = [Output?](repeating: nil, count: items.count)
        var next = 0
        var finished = 0
        for _ in 0..<min(max(1, limit), items.count) {
            let index = next
            group.addTask { (index, await body(items[index])) }
            next += 1
        }
        while let (index, output) = await group.next() {
            results[index] = output
            finished += 1
            completed?(finished)
            if next < items.count {
                let index = next
                group.addTask { (index, await body(items[index])) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
