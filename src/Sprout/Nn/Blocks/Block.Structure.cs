using Sprout.Init;

namespace Sprout.Nn;

// What a block holds and where it sits: its parameters, buffers and children (declared, or found in its fields), the
// container it was added to (for full paths), and the walks over the tree that collect, initialize, tie and copy.
public abstract partial class Block
{
    private OrderedDictionary<string, Parameter> _params = new(StringComparer.Ordinal);
    private OrderedDictionary<string, Block> _children = new(StringComparer.Ordinal);
    private Block? _parent;
    private string _nameInParent = "";
    private volatile bool _registered;

    /// <summary>This block's own parameters and buffers, by local name (<c>weight</c>, <c>bias</c>, <c>running_mean</c>).</summary>
    public ParameterCollection Params
    {
        get
        {
            RegisterFieldsAgain();
            var c = new ParameterCollection(GetType().Name);
            foreach (var (name, p) in _params) c.Add(name, p);
            return c;
        }
    }

    /// <summary>The child blocks, by name, in order.</summary>
    public IEnumerable<KeyValuePair<string, Block>> Children
    {
        get
        {
            RegisterFieldsAgain();
            return _children;
        }
    }

    /// <summary>The path of this block from the top of the network it was added to (<c>1.0</c>; "" at the top).</summary>
    public string FullPath => _parent is null ? "" : Join(_parent.FullPath, _nameInParent);

    string IParameterOwner.PathOf(string name) => Join(FullPath, name);

    /// <summary>Declares a parameter; give unknown dimensions as <see cref="Shape.Unknown"/>.</summary>
    protected Parameter AddParameter(string name, Shape shape, Initializer? initializer = null, ParameterRole? role = null) =>
        Register(name, new Parameter(name, shape, initializer, role));

    /// <summary>
    /// Declares a buffer: non-trained state (batch norm's running statistics) that is initialized, saved and loaded with the
    /// parameters but has no gradient and is never touched by an optimizer.
    /// </summary>
    protected Parameter AddBuffer(string name, Shape shape, Initializer? initializer = null, ParameterRole? role = null) =>
        Register(name, new Parameter(name, shape, initializer, role) { IsBuffer = true, GradReq = GradReq.Null });

    private Parameter Register(string name, Parameter p)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_params.ContainsKey(name) || _children.ContainsKey(name))
            throw new ArgumentException($"{GetType().Name} already has a parameter or child named '{name}'; give each a distinct name.", nameof(name));
        p.Owner ??= this;
        _params.Add(name, p);
        return p;
    }

    /// <summary>The parameter declared under <paramref name="name"/>.</summary>
    protected Parameter Param(string name) => _params[name];

    /// <summary>The parameter declared under <paramref name="name"/>, or null when the layer has none (an optional bias).</summary>
    protected Parameter? OptionalParam(string name) => _params.GetValueOrDefault(name);

    /// <summary>Adds a child block under <paramref name="name"/>; refuses a block that would make a cycle.</summary>
    protected T AddChild<T>(string name, T block) where T : Block
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(block);
        if (ReferenceEquals(block, this)) throw new ArgumentException($"A block cannot contain itself: this {GetType().Name} was given as its own child '{name}'.", nameof(block));
        if (block.Contains(this))
            throw new ArgumentException(
                $"Adding this {block.GetType().Name} as child '{name}' of a {GetType().Name} would make a cycle: the {GetType().Name} is already inside it. " +
                "A network must be a tree (a block may be shared, but never contain itself); add a new block instead.", nameof(block));
        if (_children.ContainsKey(name) || _params.ContainsKey(name))
            throw new ArgumentException($"{GetType().Name} already has a child or parameter named '{name}'; give each a distinct name.", nameof(name));
        _children.Add(name, block);
        Adopt(name, block);
        return block;
    }

    /// <summary>
    /// Puts <paramref name="block"/> in place of the child at <paramref name="index"/>, under its name (PyTorch's
    /// <c>net[i] = layer</c>); the old child leaves the network. Refuses a block that would make a cycle, changing nothing.
    /// </summary>
    private protected void ReplaceChildAt(int index, Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var (name, old) = ChildEntryAt(index);
        if (block.Contains(this))
            throw new ArgumentException(
                $"Putting this {block.GetType().Name} at {index} ('{name}') of a {GetType().Name} would make a cycle: the {GetType().Name} is {(ReferenceEquals(block, this) ? "that block itself" : "inside it")}. " +
                "A network must be a tree; put a new block there instead.", nameof(block));
        SwapChild(name, old, block);
    }

    /// <summary>Puts <paramref name="block"/> under <paramref name="name"/> in place of <paramref name="old"/>, keeping its position; the old one leaves unless it is still a child under another name.</summary>
    private void SwapChild(string name, Block old, Block block)
    {
        _children[name] = block;
        Release(old);
        Adopt(name, block);
    }

    /// <summary>After <paramref name="old"/> was taken out: it leaves this block (its paths start afresh) unless it is still a child under another name.</summary>
    private void Release(Block old)
    {
        if (ReferenceEquals(old._parent, this) && KeyOfChild(old) is null) (old._parent, old._nameInParent) = (null, "");
    }

    /// <summary>Makes this block the parent of <paramref name="block"/> (for its paths) unless it already has one: a shared block keeps its first.</summary>
    private void Adopt(string name, Block block)
    {
        if (block._parent is null) (block._parent, block._nameInParent) = (this, name);
    }

    /// <summary>Whether <paramref name="target"/> is this block or one of its descendants (so adding this to target would make a cycle).</summary>
    private bool Contains(Block target)
    {
        var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Block>([this]);
        while (stack.TryPop(out var b))
        {
            if (ReferenceEquals(b, target)) return true;
            if (!seen.Add(b)) continue;
            b.EnsureRegistered();
            foreach (var child in b._children.Values) stack.Push(child);
        }
        return false;
    }

    /// <summary>How many children this block has.</summary>
    protected int ChildCount
    {
        get
        {
            EnsureRegistered();   // a forward pass counts: it looks at the fields once
            return _children.Count;
        }
    }

    /// <summary>The child at position <paramref name="index"/>, in the order they were added.</summary>
    protected Block ChildAt(int index)
    {
        EnsureRegistered();
        return _children.GetAt(index).Value;
    }

    /// <summary>The child at position <paramref name="index"/> with its name.</summary>
    private protected KeyValuePair<string, Block> ChildEntryAt(int index)
    {
        EnsureRegistered();
        return _children.GetAt(index);
    }

    /// <summary>
    /// The name of <paramref name="child"/> among this block's children, or its path below them when it sits deeper (a
    /// block of a <see cref="BlockList"/> this one holds and runs itself: <c>blocks.0</c>), or null.
    /// </summary>
    private string? NameOfChild(Block child)
    {
        EnsureRegistered();
        if (ReferenceEquals(child._parent, this)) return child._nameInParent;
        foreach (var (name, c) in _children) if (ReferenceEquals(c, child)) return name;
        foreach (var (name, c) in _children)
            if (c.NameOfChild(child) is { } below) return Join(name, below);
        return null;
    }

    /// <summary>
    /// The block at <paramref name="path"/> below this one (<c>"0.1"</c>, <c>"conv1"</c>), as <typeparamref name="T"/>:
    /// nested layers without casts. Throws naming the path and the children there when it does not exist or has another type.
    /// </summary>
    public T Get<T>(string path) where T : Block
    {
        ArgumentNullException.ThrowIfNull(path);
        Block current = this;
        string rest = path;
        while (rest.Length > 0)
        {
            var match = current.Children.Where(kv => rest == kv.Key || rest.StartsWith(kv.Key + ".", StringComparison.Ordinal))
                .OrderByDescending(kv => kv.Key.Length).Select(kv => (KeyValuePair<string, Block>?)kv).FirstOrDefault()
                ?? throw new KeyNotFoundException($"No block at '{path}' in this {GetType().Name}: at '{rest}' the children are {string.Join(", ", current.Children.Select(c => c.Key))}.");
            current = match.Value;
            rest = rest.Length == match.Key.Length ? "" : rest[(match.Key.Length + 1)..];
        }
        return current as T ?? throw new InvalidCastException($"The block at '{path}' is a {current.GetType().Name}, not a {typeof(T).Name}.");
    }

    /// <summary>Every parameter and buffer of this block and its descendants, by structural name (<c>0.weight</c>), each once.</summary>
    public ParameterCollection CollectParams()
    {
        var collection = new ParameterCollection(GetType().Name);
        var seen = new HashSet<ParameterSlot>(ReferenceEqualityComparer.Instance);
        VisitParameters("", (path, _, _, p) =>
        {
            if (seen.Add(p.Slot)) collection.Add(path, p);
        });
        return collection;
    }

    /// <summary>
    /// The parameters whose full names match the regular expression <paramref name="select"/> (Gluon's
    /// <c>collect_params('.*weight')</c>), e.g. <c>".*weight"</c> or <c>"0\..*"</c>.
    /// </summary>
    public ParameterCollection CollectParams(string select)
    {
        ArgumentNullException.ThrowIfNull(select);
        var regex = new System.Text.RegularExpressions.Regex($"^(?:{select})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        var result = new ParameterCollection(GetType().Name);
        foreach (var (name, p) in CollectParams()) if (regex.IsMatch(name)) result.Add(name, p);
        return result;
    }

    private void VisitBlocks(string prefix, Action<string, Block> visit)
    {
        RegisterFieldsAgain();   // the visitor reads _params: what the fields hold now, registered
        visit(prefix, this);
        foreach (var (name, child) in _children) child.VisitBlocks(Join(prefix, name), visit);
    }

    private void VisitParameters(string prefix, Action<string, Block, string, Parameter> visit) =>
        VisitBlocks(prefix, (path, block) =>
        {
            foreach (var (name, p) in block._params) visit(Join(path, name), block, name, p);
        });

    /// <summary>
    /// Records how to fill every parameter: those of known shape are filled now, the others when the first forward
    /// fixes their shape. Already-filled parameters are left alone (with a trace warning) unless <paramref name="forceReinit"/>.
    /// A layer's own initializer wins over <paramref name="init"/>; with neither, <see cref="Initializer.Default"/> (Uniform 0.07).
    /// Random streams are keyed by each parameter's full path in its network, even when called on one block of it, and
    /// by how many initializations came before since the last <c>Rng.Seed</c>: two networks initialized in turn differ,
    /// a forced re-initialization draws anew, and the same program with the same seed gets the same weights.
    /// </summary>
    public void Initialize(Initializer? init = null, bool forceReinit = false)
    {
        var chosen = init ?? Initializer.Default;
        int index = Rng.NextInitialization();
        ulong seed = Rng.CurrentSeed;
        var seen = new HashSet<ParameterSlot>(ReferenceEqualityComparer.Instance);
        VisitBlocks(FullPath, (path, block) =>
        {
            (block._random, block._randomBlocksTaken) = (new RandomKey(seed, Rng.InitializationKey(path, index)), 0);
            foreach (var (name, p) in block._params)
                if (seen.Add(p.Slot)) p.Initialize(chosen, Rng.InitializationKey(Join(path, name), index), forceReinit);
        });
    }

    /// <summary>Paths of the parameters not yet filled (say, a branch no input has reached).</summary>
    public IReadOnlyList<string> PendingParameters() =>
        [.. CollectParams().Where(kv => !kv.Value.IsInitialized).Select(kv => kv.Key)];

    /// <summary>
    /// Ties this block's parameters to those in <paramref name="shared"/> with the same structural name, so both
    /// networks read and train one set — also a layer that keeps its parameter in a field, since tied parameters share
    /// their storage. Shapes must agree where known; nothing is tied if one does not. Returns how many were tied.
    /// </summary>
    public int ShareParameters(ParameterCollection shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var ties = new List<(Parameter Mine, Parameter With)>();
        VisitParameters("", (path, _, _, p) =>
        {
            if (!shared.TryGetValue(path, out var s) || p.IsTiedTo(s)) return;
            if (!s.Shape.IsCompatibleWith(p.Shape) || s.Shape.Rank != p.Shape.Rank)
                throw new ShapeMismatchException(path, p.Shape, s.Shape,
                    $"ShareParameters: parameter '{path}' has shape {p.Shape} here but {s.Shape} in the shared collection; known dimensions must agree. Nothing was tied.");
            ties.Add((p, s));
        });
        if (ties.Count == 0 && shared.Count > 0 && !shared.Keys.Any(k => CollectParams().ContainsKey(k)))
            throw new ArgumentException(
                $"ShareParameters: none of the shared names ({string.Join(", ", shared.Keys)}) is a parameter of this {GetType().Name} " +
                $"({string.Join(", ", CollectParams().Keys)}). Use ParameterCollection.WithPrefix to align the names.", nameof(shared));
        foreach (var (mine, with) in ties) mine.TieTo(with);
        return ties.Count;
    }
}
