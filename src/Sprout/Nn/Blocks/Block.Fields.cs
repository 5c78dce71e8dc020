using System.Collections;
using System.Reflection;

namespace Sprout.Nn;

// Blocks and parameters kept in fields, properties or lists, as the book's code keeps them (self.hidden = nn.Dense(256)):
// registered under the field's name on first use, and rebound to the copies when the block is cloned.
public abstract partial class Block
{
    private static readonly Lock s_registration = new();

    /// <summary>
    /// Registers, once, the blocks and parameters this block keeps in its own fields (and auto-properties) but did not
    /// declare: a field <c>Hidden</c> holding a <c>Dense</c> becomes child <c>hidden</c>; a list <c>Blocks</c> of blocks
    /// becomes children <c>blocks.0</c>, <c>blocks.1</c>, … (PyTorch's names). Fields declared by <see cref="Block"/> itself
    /// and blocks that would make a cycle are skipped. Fields assigned after the first use are not seen: declare those.
    /// </summary>
    private void EnsureRegistered()
    {
        if (_registered) return;
        lock (s_registration)
        {
            if (_registered) return;
            foreach (var field in OwnFields(GetType()))
            {
                string name = FieldName(field);
                switch (field.GetValue(this))
                {
                    case Block b: RegisterFound(name, b); break;
                    case Parameter p: if (!_params.Values.Contains(p)) Register(name, p); break;
                    case IEnumerable items when HoldsBlocksOrParameters(field.FieldType):
                        int i = 0;
                        foreach (var item in items)
                        {
                            if (item is Block ib) RegisterFound($"{name}.{i}", ib);
                            else if (item is Parameter ip && !_params.Values.Contains(ip)) Register($"{name}.{i}", ip);
                            i++;
                        }
                        break;
                }
            }
            _registered = true;
        }
    }

    /// <summary>Whether a field of <paramref name="type"/> is an array or collection of blocks or parameters (not of numbers or tensors).</summary>
    private static bool HoldsBlocksOrParameters(Type type)
    {
        static bool Element(Type? t) => t is not null && (typeof(Block).IsAssignableFrom(t) || t == typeof(Parameter));
        if (type.IsArray) return Element(type.GetElementType());
        return type.GetInterfaces().Append(type)
            .Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>) && Element(i.GetGenericArguments()[0]));
    }

    private void RegisterFound(string name, Block b)
    {
        if (_children.Values.Any(c => ReferenceEquals(c, b)) || ReferenceEquals(b, this) || b.Contains(this)) return;
        _children.Add(name, b);
        if (b._parent is null) (b._parent, b._nameInParent) = (this, name);
    }

    /// <summary>The instance fields declared by the block's own classes (not by <see cref="Block"/>).</summary>
    private static IEnumerable<FieldInfo> OwnFields(Type type)
    {
        for (var t = type; t is not null && t != typeof(Block); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }

    /// <summary><c>&lt;Hidden&gt;k__BackingField</c> → <c>hidden</c>; <c>_output</c> → <c>output</c>.</summary>
    private static string FieldName(FieldInfo field)
    {
        string name = field.Name;
        if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var end) name = name[1..end];
        name = name.TrimStart('_');
        return name.Length == 0 ? field.Name : char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>
    /// A deep copy: same structure and configuration, its own parameters (filled or not, in the same state), sharing
    /// preserved inside the copy. Fields that hold blocks or parameters (or arrays and lists of them) point at the
    /// copy's own. An unfilled copy fills independently of the original.
    /// </summary>
    public Block Clone()
    {
        EnsureRegistered();
        return CloneWith(new Dictionary<object, object>(ReferenceEqualityComparer.Instance));
    }

    private Block CloneWith(Dictionary<object, object> copies)
    {
        if (copies.TryGetValue(this, out var done)) return (Block)done;
        EnsureRegistered();
        var copy = (Block)MemberwiseClone();
        copies[this] = copy;
        copy._parent = null;
        copy._params = new(StringComparer.Ordinal);
        foreach (var (name, p) in _params)
        {
            var pc = p.CloneWith(copies);
            if (ReferenceEquals(p.Owner, this)) pc.Owner = copy;
            copy._params.Add(name, pc);
        }
        copy._children = new(StringComparer.Ordinal);
        foreach (var (name, child) in _children)
        {
            var cc = child.CloneWith(copies);
            if (ReferenceEquals(child._parent, this)) (cc._parent, cc._nameInParent) = (copy, name);
            copy._children.Add(name, cc);
        }
        foreach (var field in OwnFields(GetType()))
            if (Remap(field.GetValue(this), copies) is { } mapped) field.SetValue(copy, mapped);
        return copy;
    }

    /// <summary>The copy of a block, a parameter, or an array or list of them; null for anything else (kept as copied).</summary>
    private static object? Remap(object? value, Dictionary<object, object> copies)
    {
        switch (value)
        {
            case Block b: return b.CloneWith(copies);
            case Parameter p: return p.CloneWith(copies);
            case Array a when typeof(Block).IsAssignableFrom(a.GetType().GetElementType()) || a.GetType().GetElementType() == typeof(Parameter):
                var array = Array.CreateInstance(a.GetType().GetElementType()!, a.Length);
                for (int i = 0; i < a.Length; i++) array.SetValue(Remap(a.GetValue(i), copies) ?? a.GetValue(i), i);
                return array;
            case IList list when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(List<>)
                                 && value.GetType().GetGenericArguments()[0] is var e && (typeof(Block).IsAssignableFrom(e) || e == typeof(Parameter)):
                var copy = (IList)Activator.CreateInstance(value.GetType())!;
                foreach (var item in list) copy.Add(Remap(item, copies) ?? item);
                return copy;
            default: return null;
        }
    }
}
