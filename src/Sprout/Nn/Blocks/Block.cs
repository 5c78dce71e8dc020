using System.Text;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// The base of every layer and network. A block declares parameters (unknown sizes as -1) and child blocks; its
/// public <see cref="Forward"/> runs the parameter lifecycle — infer the shapes this input implies, fill deferred
/// parameters, then compute — and its subclass supplies <see cref="ForwardCore"/> and <see cref="InferShapes"/>.
/// </summary>
public abstract partial class Block
{
    private OrderedDictionary<string, Parameter> _params = new(StringComparer.Ordinal);
    private OrderedDictionary<string, Block> _children = new(StringComparer.Ordinal);

    /// <summary>This block's own parameters, by local name (<c>weight</c>, <c>bias</c>).</summary>
    public ParameterCollection Params
    {
        get
        {
            var c = new ParameterCollection(GetType().Name);
            foreach (var (name, p) in _params) c.Add(name, p);
            return c;
        }
    }

    /// <summary>The child blocks, by name, in order.</summary>
    public IEnumerable<KeyValuePair<string, Block>> Children => _children;

    /// <summary>Declares a parameter; give unknown dimensions as <see cref="Shape.Unknown"/>.</summary>
    protected Parameter AddParameter(string name, Shape shape, Initializer? initializer = null, ParameterRole? role = null)
    {
        var p = new Parameter(name, shape, initializer, role);
        _params.Add(name, p);
        return p;
    }

    /// <summary>The parameter declared under <paramref name="name"/> (after sharing, the shared one).</summary>
    protected Parameter Param(string name) => _params[name];

    /// <summary>The parameter declared under <paramref name="name"/>, or null when the layer has none (an optional bias).</summary>
    protected Parameter? OptionalParam(string name) => _params.GetValueOrDefault(name);

    /// <summary>Adds a child block under <paramref name="name"/>.</summary>
    protected T AddChild<T>(string name, T block) where T : Block
    {
        ArgumentNullException.ThrowIfNull(block);
        if (ReferenceEquals(block, this)) throw new ArgumentException($"A block cannot contain itself: this {GetType().Name} was given as its own child '{name}'.", nameof(block));
        if (block.Contains(this))
            throw new ArgumentException(
                $"Adding this {block.GetType().Name} as child '{name}' of a {GetType().Name} would make a cycle: the {GetType().Name} is already inside it. " +
                "A network must be a tree (a block may be shared, but never contain itself); add a new block instead.", nameof(block));
        _children.Add(name, block);
        return block;
    }

    /// <summary>Whether <paramref name="target"/> is this block or one of its descendants.</summary>
    private bool Contains(Block target)
    {
        var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Block>([this]);
        while (stack.TryPop(out var b))
        {
            if (ReferenceEquals(b, target)) return true;
            if (seen.Add(b)) foreach (var child in b._children.Values) stack.Push(child);
        }
        return false;
    }

    protected int ChildCount => _children.Count;

    protected Block ChildAt(int index) => _children.GetAt(index).Value;

    /// <summary>
    /// Runs the block: infers the shapes this input implies (checking them against what is known), fills parameters
    /// whose initialization was deferred, then computes. If anything throws, every parameter this call changed is put
    /// back as it was.
    /// </summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var journal = ForwardJournal.Begin();
        try
        {
            PrepareParameters(x);
            var y = ForwardCore(x);
            ForwardTrace.Current?.Add(this, CurrentPath, x.Shape, y.Shape);
            journal?.Commit();
            return y;
        }
        catch
        {
            journal?.Rollback();
            throw;
        }
    }

    /// <summary>The computation, composed of tensor ops (backward comes from them). Read parameters with <c>Data()</c>.</summary>
    protected abstract Tensor ForwardCore(Tensor x);

    /// <summary>Refines the shapes of this block's parameters from the input (see <see cref="RefineShape"/>). Called on every forward.</summary>
    protected virtual void InferShapes(Tensor x) { }

    /// <summary>Runs a child block as part of this one, so that paths in errors and summaries name it (<c>1.0</c>).</summary>
    protected Tensor ForwardChild(string name, Block child, Tensor x)
    {
        var path = ForwardContext.Current.Path;
        path.Add(name);
        try { return child.Forward(x); }
        finally { path.RemoveAt(path.Count - 1); }
    }

    /// <summary>The path of the block running on this thread, relative to the block <c>Forward</c> was called on.</summary>
    internal static string CurrentPath => ForwardContext.Current.PathText;

    /// <summary>The current path for messages: the path, or "(root)" for the block Forward was called on.</summary>
    protected static string CurrentPathOrRoot => CurrentPath is { Length: > 0 } p ? p : "(root)";

    /// <summary>
    /// Refines <paramref name="p"/> to <paramref name="proposed"/> as implied by <paramref name="input"/>, or throws a
    /// <see cref="ShapeMismatchException"/> naming this layer's path, the parameter, <paramref name="what"/> the
    /// dimension means, and both sizes.
    /// </summary>
    protected void RefineShape(Parameter p, Shape proposed, Tensor input, string what)
    {
        p.Refine(proposed, (current, prop) => Mismatch(p, current, prop, input, what));
    }

    private ShapeMismatchException Mismatch(Parameter p, Shape current, Shape proposed, Tensor input, string what)
    {
        string layerPath = CurrentPath, paramPath = Join(layerPath, p.Name);
        int d = Enumerable.Range(0, Math.Min(current.Rank, proposed.Rank))
            .FirstOrDefault(i => current[i] != Shape.Unknown && proposed[i] != Shape.Unknown && current[i] != proposed[i]);
        string where = layerPath.Length == 0 ? $"{GetType().Name} (the block Forward was called on)" : $"{GetType().Name} at path '{layerPath}'";
        return new ShapeMismatchException(paramPath, current, proposed,
            $"{where} expects {current[d]} {what} but got {proposed[d]}, from an input of shape {input.Shape}. " +
            $"Its parameter '{paramPath}' has shape {current}, fixed when the layer was created with its input size or by an earlier forward pass. " +
            $"Feed inputs with {current[d]} {what}, or create the layer without an input size so that it is inferred from the first input.");
    }

    private void PrepareParameters(Tensor x)
    {
        if (_params.Count == 0) return;
        if (_params.Values.Any(ForwardJournal.IsUnsettled)) ForwardJournal.EnterLifecycle();
        bool shapeOnly = ShapeOnlyScope.IsActive;
        if (!shapeOnly)
            foreach (var (name, p) in _params)
                if (p.State == ParameterState.Declared) throw NotInitialized(name, p);
        InferShapes(x);
        if (shapeOnly) return;
        foreach (var p in _params.Values) p.MaterializeIfReady();
        foreach (var (name, p) in _params)
            if (!p.IsInitialized)
                throw new DeferredInitializationException(Join(CurrentPath, name), p.Shape,
                    $"{GetType().Name} '{CurrentPath}' could not infer the shape {p.Shape} of its parameter '{name}' from an input of shape {x.Shape}. " +
                    "Give the size when creating the layer, or set the parameter with SetData.");
    }

    private static UninitializedParameterException NotInitialized(string name, Parameter p)
    {
        string path = Join(CurrentPath, name);
        return new UninitializedParameterException(path, p.Shape,
            $"Parameter '{path}' (shape={p.Shape}) has not been initialized, so the forward pass cannot use it. " +
            "Call net.Initialize() (optionally with an initializer) before the first forward pass; sizes left unknown (-1) are then inferred from the first input.");
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    /// <summary>Every parameter of this block and its descendants, by structural name (<c>0.weight</c>), each once.</summary>
    public ParameterCollection CollectParams()
    {
        var collection = new ParameterCollection(GetType().Name);
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        VisitParameters("", (path, _, _, p) =>
        {
            if (!seen.Add(p)) return;
            if (p.Path.Length == 0) p.Path = path;
            collection.Add(path, p);
        });
        return collection;
    }

    private void VisitBlocks(string prefix, Action<string, Block> visit)
    {
        visit(prefix, this);
        foreach (var (name, child) in _children) child.VisitBlocks(Join(prefix, name), visit);
    }

    private void VisitParameters(string prefix, Action<string, Block, string, Parameter> visit)
    {
        foreach (var (name, p) in _params) visit(Join(prefix, name), this, name, p);
        foreach (var (name, child) in _children) child.VisitParameters(Join(prefix, name), visit);
    }

    /// <summary>
    /// Records how to fill every parameter: those of known shape are filled now, the others when the first forward
    /// fixes their shape. Already-filled parameters are left alone (with a trace warning) unless <paramref name="forceReinit"/>.
    /// A layer's own initializer wins over <paramref name="init"/>; with neither, <see cref="Initializer.Default"/> (Uniform 0.07).
    /// </summary>
    public void Initialize(Initializer? init = null, bool forceReinit = false)
    {
        var chosen = init ?? Initializer.Default;
        int index = Rng.NextInitialization();
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        ulong seed = Rng.CurrentSeed;
        VisitBlocks("", (path, block) =>
        {
            (block._random, block._randomBlocksTaken) = (new RandomKey(seed, Rng.InitializationKey(path, index)), 0);
            foreach (var (name, p) in block._params)
                if (seen.Add(p)) p.Initialize(chosen, Join(path, name), Rng.InitializationKey(Join(path, name), index), forceReinit);
        });
    }

    /// <summary>
    /// A shape-only dry run: runs <see cref="Forward"/> on a meta tensor of <paramref name="inputShape"/>, which infers
    /// and fills every deferred parameter without computing anything. Returns the output shape.
    /// </summary>
    public Shape Build(Shape inputShape) => Forward(Tensor.Meta(RequireKnown(inputShape))).Shape;

    internal static Shape RequireInputShape(Shape shape) => RequireKnown(shape);

    /// <summary>Paths of the parameters not yet filled (say, a branch no input has reached).</summary>
    public IReadOnlyList<string> PendingParameters() =>
        [.. CollectParams().Where(kv => !kv.Value.IsInitialized).Select(kv => kv.Key)];

    /// <summary>
    /// Ties this block's parameters to those in <paramref name="shared"/> with the same structural name, so both
    /// networks read and train one set. Shapes must agree where known. Returns how many were tied.
    /// </summary>
    public int ShareParameters(ParameterCollection shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var ties = new List<(Block Owner, string Name, Parameter With)>();
        VisitParameters("", (path, owner, name, p) =>
        {
            if (!shared.TryGetValue(path, out var s) || ReferenceEquals(s, p)) return;
            if (!s.Shape.IsCompatibleWith(p.Shape))
                throw new ShapeMismatchException(path, p.Shape, s.Shape,
                    $"ShareParameters: parameter '{path}' has shape {p.Shape} here but {s.Shape} in the shared collection; known dimensions must agree. Nothing was tied.");
            ties.Add((owner, name, s));
        });
        if (ties.Count == 0 && shared.Count > 0 && !shared.Keys.Any(k => CollectParams().ContainsKey(k)))
            throw new ArgumentException(
                $"ShareParameters: none of the shared names ({string.Join(", ", shared.Keys)}) is a parameter of this {GetType().Name} " +
                $"({string.Join(", ", CollectParams().Keys)}). Use ParameterCollection.WithPrefix to align the names.", nameof(shared));
        foreach (var (owner, name, with) in ties) owner._params[name] = with;
        return ties.Count;
    }

    /// <summary>
    /// A deep copy: same structure and configuration, its own parameters (filled or not, in the same state), sharing
    /// preserved inside the copy. An unfilled copy fills independently of the original.
    /// </summary>
    public Block Clone() => CloneWith(new Dictionary<object, object>(ReferenceEqualityComparer.Instance));

    private Block CloneWith(Dictionary<object, object> copies)
    {
        if (copies.TryGetValue(this, out var done)) return (Block)done;
        var copy = (Block)MemberwiseClone();
        copies[this] = copy;
        copy._params = new(StringComparer.Ordinal);
        foreach (var (name, p) in _params)
        {
            if (!copies.TryGetValue(p, out var pc)) copies[p] = pc = p.Clone();
            copy._params.Add(name, (Parameter)pc);
        }
        copy._children = new(StringComparer.Ordinal);
        foreach (var (name, child) in _children) copy._children.Add(name, child.CloneWith(copies));
        return copy;
    }

    /// <summary>A one-line description of this block, as Gluon prints it (<c>Dense(None -> 256, Activation(relu))</c>).</summary>
    protected virtual string Describe() => $"{GetType().Name}()";

    /// <summary>The block, and its children indented beneath it, as Gluon prints a network.</summary>
    public override string ToString()
    {
        if (_children.Count == 0) return Describe();
        var sb = new StringBuilder(GetType().Name).Append("(\n");
        foreach (var (name, child) in _children)
            sb.Append("  (").Append(name).Append("): ").Append(child.ToString().Replace("\n", "\n  ")).Append('\n');
        return sb.Append(')').ToString();
    }

    private static Shape RequireKnown(Shape shape)
    {
        if (!shape.IsKnown || shape.Rank == 0)
            throw new ArgumentException($"The input shape {shape} must have at least one dimension and no unknown (-1) sizes; give the full shape, batch included (e.g. new Shape(1, 20)).", nameof(shape));
        return shape;
    }
}
