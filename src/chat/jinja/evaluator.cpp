#include "chat/jinja/evaluator.h"

#include "chat/jinja/builtins.h"
#include "chat/jinja/format.h"
#include "core/error.h"

namespace edgeseek::jinja {

const Value* Scope::find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent.get()) {
        auto it = s->vars.find(name);
        if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
}

Evaluator::Evaluator(const Program& program, const RenderLimits& limits)
    : program_(program), limits_(limits) {}

Evaluator::~Evaluator() {
    for (auto& ns : namespaces_) ns->attrs = DictData{};
}

void Evaluator::too_deep(uint32_t pos) const {
    throw Error("template evaluation nested more than " + std::to_string(limits_.max_depth) + " levels",
                program_.map.describe(pos), "the template recurses too deeply (a macro calling itself?)");
}

void Evaluator::rethrow_at(uint32_t pos, const TemplateFault& f) const {
    throw Error(f.message, program_.map.describe(pos), f.hint);
}

std::string Evaluator::render(DictData context) {
    DictData globals;
    add_globals(globals);
    globals_ = std::make_shared<Scope>(nullptr);
    for (auto& [k, v] : globals.entries) globals_->vars[k.str()] = std::move(v);
    root_ = std::make_shared<Scope>(globals_);
    for (auto& [k, v] : context.entries)
        if (k.is_string()) root_->vars[k.str()] = std::move(v);
    scope_ = root_;
    std::string out;
    out_ = &out;
    exec_body(program_.body);
    out_ = nullptr;
    return out;
}

// ---- services --------------------------------------------------------------------------------

Value Evaluator::call(const Value& callee, CallArgs& args) {
    if (callee.is_undefined()) fault(callee.undefined_message());
    if (callee.is_object() && callee.object().callable()) return callee.object().call(*this, args);
    fault(std::string("'") + type_name(callee) + "' object is not callable");
}

void Evaluator::charge(size_t bytes) {
    if (bytes > limits_.max_string_bytes)
        fault("string of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                  std::to_string(limits_.max_string_bytes),
              "the template builds an unreasonably large string");
    work_ += bytes;
    if (work_ > limits_.max_work_bytes)
        fault("template built more than " + std::to_string(limits_.max_work_bytes) + " bytes of strings",
              "the template does too much work");
}

void Evaluator::count_steps(uint64_t n) {
    steps_ += n;
    if (steps_ > limits_.max_iterations)
        fault("template ran more than " + std::to_string(limits_.max_iterations) + " loop iterations",
              "the template does too much work");
}

std::shared_ptr<Namespace> Evaluator::new_namespace() {
    auto ns = std::make_shared<Namespace>();
    count_steps(1);
    namespaces_.push_back(ns);
    return ns;
}

void Evaluator::emit(const std::string& text) {
    output_total_ += text.size();
    if (output_total_ > limits_.max_output_bytes)
        fault("rendered output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes",
              "the template produces an unreasonably long prompt");
    out_->append(text);
}

std::string Evaluator::capture(const Body& body) {
    std::string buf;
    Swap<std::string*> swap(out_, &buf);
    exec_body(body);
    return buf;
}

// ---- statements ------------------------------------------------------------------------------

Evaluator::Flow Evaluator::exec_body(const Body& body) {
    for (const StmtPtr& s : body) {
        const Flow f = exec(*s);
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

Evaluator::Flow Evaluator::exec(const Stmt& s) {
    Depth depth(*this, s.pos);
    try {
        switch (s.kind) {
            case StmtKind::Output: exec_output(static_cast<const OutputStmt&>(s)); break;
            case StmtKind::For: return exec_for(static_cast<const ForStmt&>(s));
            case StmtKind::If: {
                const auto& i = static_cast<const IfStmt&>(s);
                for (const auto& [test, body] : i.branches)
                    if (truthy(eval(*test))) return exec_body(body);
                return exec_body(i.else_body);
            }
            case StmtKind::Set: exec_set(static_cast<const SetStmt&>(s)); break;
            case StmtKind::SetBlock: exec_set_block(static_cast<const SetBlockStmt&>(s)); break;
            case StmtKind::Macro: {
                const MacroDef& def = static_cast<const MacroStmt&>(s).def;
                scope_->vars[def.name] = Value::object(std::make_shared<MacroObject>(def, scope_));
                break;
            }
            case StmtKind::CallBlock: exec_call_block(static_cast<const CallBlockStmt&>(s)); break;
            case StmtKind::FilterBlock: {
                const auto& fb = static_cast<const FilterBlockStmt&>(s);
                ScopePtr inner = std::make_shared<Scope>(scope_);
                Swap<ScopePtr> swap(scope_, inner);
                const Value text = Value::string(capture(fb.body));
                emit(py_str(eval_filter(static_cast<const FilterExpr&>(*fb.filter), &text)));
                break;
            }
            case StmtKind::With: exec_with(static_cast<const WithStmt&>(s)); break;
            case StmtKind::Break: return Flow::Break;
            case StmtKind::Continue: return Flow::Continue;
            case StmtKind::Scope: return exec_body(static_cast<const ScopeStmt&>(s).body);
        }
    } catch (const TemplateFault& f) {
        rethrow_at(s.pos, f);
    }
    return Flow::Normal;
}

void Evaluator::exec_output(const OutputStmt& s) {
    for (const auto& piece : s.pieces) {
        if (!piece.expr) {
            emit(piece.text);
            continue;
        }
        // jinja2 evaluates a constant {{ }} expression at compile time, where a failing
        // slice of a literal becomes undefined instead of an error.
        Swap<bool> folding(folding_, piece.expr->constant);
        const Value v = eval(*piece.expr);
        try {
            emit(py_str(v));
        } catch (const TemplateFault& f) {
            rethrow_at(piece.expr->pos, f);
        }
    }
}

Evaluator::Flow Evaluator::exec_for(const ForStmt& s) {
    const Value iterable = eval(*s.iter);
    std::vector<Value> items;
    try {
        items = iterate(iterable);
    } catch (const TemplateFault& f) {
        rethrow_at(s.iter->pos, f);
    }
    return run_loop(s, std::move(items), 0);
}

Evaluator::Flow Evaluator::run_loop(const ForStmt& s, std::vector<Value> items, int depth0) {
    count_steps(items.size() / 8 + 1);
    if (s.filter) {
        std::vector<Value> kept;
        for (Value& item : items) {
            count_steps(1);
            ScopePtr iter_scope = std::make_shared<Scope>(scope_);
            Swap<ScopePtr> swap(scope_, iter_scope);
            assign(*s.target, item);
            if (truthy(eval(*s.filter))) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        ScopePtr else_scope = std::make_shared<Scope>(scope_);
        Swap<ScopePtr> swap(scope_, else_scope);
        return exec_body(s.else_body);
    }
    auto loop = std::make_shared<LoopObject>();
    loop->stmt = &s;
    loop->items = std::make_shared<const std::vector<Value>>(std::move(items));
    loop->depth0 = depth0;
    loop->scope = scope_;
    const Value loop_value = Value::object(loop);
    const size_t n = loop->items->size();
    for (size_t i = 0; i < n; ++i) {
        count_steps(1);
        loop->index0 = i;
        ScopePtr iter_scope = std::make_shared<Scope>(scope_);
        Swap<ScopePtr> swap(scope_, iter_scope);
        assign(*s.target, (*loop->items)[i]);
        iter_scope->vars["loop"] = loop_value;
        if (exec_body(s.body) == Flow::Break) break;
    }
    return Flow::Normal;
}

Value Evaluator::loop_again(const LoopObject& loop, const Value& iterable) {
    Depth depth(*this, loop.stmt->pos);
    ScopePtr base = loop.scope.lock();
    Swap<ScopePtr> swap(scope_, base ? base : root_);
    std::string buf;
    Swap<std::string*> out(out_, &buf);
    run_loop(*loop.stmt, iterate(iterable), loop.depth0 + 1);
    return Value::string(std::move(buf));
}

void Evaluator::assign(const Expr& target, const Value& value) {
    switch (target.kind) {
        case ExprKind::Name: scope_->vars[static_cast<const NameExpr&>(target).name] = value; return;
        case ExprKind::NsRef: {
            const auto& ref = static_cast<const NsRefExpr&>(target);
            const Value* ns = scope_->find(ref.name);
            auto* obj = ns && ns->is_object() ? dynamic_cast<Namespace*>(&ns->object()) : nullptr;
            if (!obj) fault("cannot assign attribute on non-namespace object");
            obj->set_attr(ref.attr, value);
            return;
        }
        case ExprKind::Tuple: {
            const auto& targets = static_cast<const SequenceExpr&>(target).items;
            const std::vector<Value> values = iterate(value);
            if (values.size() > targets.size())
                fault("too many values to unpack (expected " + std::to_string(targets.size()) + ")");
            if (values.size() < targets.size())
                fault("not enough values to unpack (expected " + std::to_string(targets.size()) +
                      ", got " + std::to_string(values.size()) + ")");
            for (size_t i = 0; i < targets.size(); ++i) assign(*targets[i], values[i]);
            return;
        }
        default: fault("cannot assign to this expression");
    }
}

void Evaluator::exec_set(const SetStmt& s) { assign(*s.target, eval(*s.value)); }

void Evaluator::exec_set_block(const SetBlockStmt& s) {
    std::string text;
    {
        ScopePtr inner = std::make_shared<Scope>(scope_);
        Swap<ScopePtr> swap(scope_, inner);
        text = capture(s.body);
    }
    Value v = Value::string(std::move(text));
    if (s.filter) v = eval_filter(static_cast<const FilterExpr&>(*s.filter), &v);
    assign(*s.target, v);
}

void Evaluator::exec_call_block(const CallBlockStmt& s) {
    const Value caller = Value::object(std::make_shared<MacroObject>(s.caller, scope_));
    const Value result = eval_call(static_cast<const CallExpr&>(*s.call), &caller);
    emit(py_str(result));
}

void Evaluator::exec_with(const WithStmt& s) {
    std::vector<Value> values;
    for (const auto& [target, value] : s.assignments) values.push_back(eval(*value));
    ScopePtr inner = std::make_shared<Scope>(scope_);
    Swap<ScopePtr> swap(scope_, inner);
    for (size_t i = 0; i < values.size(); ++i) assign(*s.assignments[i].first, values[i]);
    exec_body(s.body);
}

// ---- macros ----------------------------------------------------------------------------------

Value Evaluator::call_macro(const MacroObject& macro, CallArgs& args) {
    const MacroDef& def = macro.def;
    Depth depth(*this, def.pos);
    const size_t np = def.params.size();
    std::vector<std::optional<Value>> bound(np);
    std::vector<Value> extra;
    for (size_t i = 0; i < args.pos.size(); ++i) {
        if (i < np)
            bound[i] = args.pos[i];
        else
            extra.push_back(args.pos[i]);
    }
    if (!extra.empty() && !def.uses_varargs)
        fault("macro '" + def.name + "' takes not more than " + std::to_string(np) + " argument(s)");
    Value caller = Value::undefined("No caller defined");
    DictData kwargs;
    for (auto& [key, value] : args.kw) {
        size_t idx = 0;
        while (idx < np && def.params[idx] != key) ++idx;
        if (idx < np) {
            if (bound[idx]) fault("macro '" + def.name + "' got multiple values for argument '" + key + "'");
            bound[idx] = value;
        } else if (key == "caller" && def.uses_caller) {
            caller = value;
        } else if (def.uses_kwargs) {
            kwargs.set(Value::string(key), value);
        } else {
            fault("macro '" + def.name + "' takes no keyword argument '" + key + "'");
        }
    }
    ScopePtr closure = macro.closure.lock();
    ScopePtr scope = std::make_shared<Scope>(closure ? closure : root_);
    Swap<ScopePtr> swap(scope_, scope);
    const size_t first_default = np - def.defaults.size();
    for (size_t i = 0; i < np; ++i) {
        if (bound[i])
            scope->vars[def.params[i]] = std::move(*bound[i]);
        else if (i >= first_default)
            scope->vars[def.params[i]] = eval(*def.defaults[i - first_default]);
        else
            scope->vars[def.params[i]] = Value::undefined("parameter '" + def.params[i] + "' was not provided");
    }
    if (def.uses_varargs) scope->vars["varargs"] = Value::list(std::move(extra), ListKind::Tuple);
    if (def.uses_kwargs) scope->vars["kwargs"] = Value::dict(std::move(kwargs));
    if (def.uses_caller) scope->vars["caller"] = caller;
    return Value::string(capture(def.body));
}

std::optional<Value> MacroObject::get_attr(std::string_view name) const {
    if (name == "name") return Value::string(def.name);
    if (name == "arguments") {
        std::vector<Value> params;
        for (const auto& p : def.params) params.push_back(Value::string(p));
        return Value::list(std::move(params), ListKind::Tuple);
    }
    if (name == "caller") return Value::boolean(def.uses_caller);
    if (name == "catch_kwargs") return Value::boolean(def.uses_kwargs);
    if (name == "catch_varargs") return Value::boolean(def.uses_varargs);
    return std::nullopt;
}

// ---- loop ------------------------------------------------------------------------------------

namespace {

Value loop_method(Evaluator&, const Value& self, std::string_view name, CallArgs& args) {
    auto& loop = static_cast<LoopObject&>(self.object());
    if (name == "cycle") {
        if (args.pos.empty()) fault("no items for cycling given");
        return args.pos[loop.index0 % args.pos.size()];
    }
    // changed(*values): true when the values differ from the previous call's.
    bool same = loop.last_changed && loop.last_changed->size() == args.pos.size();
    for (size_t i = 0; same && i < args.pos.size(); ++i) same = py_equal((*loop.last_changed)[i], args.pos[i]);
    if (same) return Value::boolean(false);
    loop.last_changed = args.pos;
    return Value::boolean(true);
}

}  // namespace

std::string LoopObject::repr() const {
    return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(items->size()) + ">";
}

std::optional<Value> LoopObject::get_attr(std::string_view name) const {
    const auto length = static_cast<int64_t>(items->size());
    const auto i = static_cast<int64_t>(index0);
    if (name == "index") return Value::integer(i + 1);
    if (name == "index0") return Value::integer(i);
    if (name == "revindex") return Value::integer(length - i);
    if (name == "revindex0") return Value::integer(length - i - 1);
    if (name == "first") return Value::boolean(i == 0);
    if (name == "last") return Value::boolean(i + 1 == length);
    if (name == "length") return Value::integer(length);
    if (name == "depth") return Value::integer(depth0 + 1);
    if (name == "depth0") return Value::integer(depth0);
    if (name == "previtem")
        return i > 0 ? (*items)[index0 - 1] : Value::undefined("there is no previous item");
    if (name == "nextitem")
        return i + 1 < length ? (*items)[index0 + 1] : Value::undefined("there is no next item");
    if (name == "cycle" || name == "changed") {
        auto self = std::const_pointer_cast<Object>(shared_from_this());
        return Value::object(std::make_shared<NativeFunction>(std::string(name), loop_method, Value::object(self)));
    }
    return std::nullopt;
}

Value LoopObject::call(Evaluator& ev, CallArgs& args) {
    if (args.pos.size() != 1 || !args.kw.empty()) fault("loop() takes exactly one iterable");
    return ev.loop_again(*this, args.pos[0]);
}

}  // namespace edgeseek::jinja
