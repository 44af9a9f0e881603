//! A small, safe Python pickle reader: enough of the protocol (0-5) to read PyTorch checkpoints.
//!
//! Nothing is executed. Calls to globals (`REDUCE`, `NEWOBJ`) become [`Value::Call`] values, and
//! the caller interprets the few it knows (`_rebuild_tensor_v2`, `OrderedDict`, ...). Persistent
//! ids (how torch refers to tensor storages) become [`Value::Persistent`].

use super::WeightsError;

/// A decoded pickle value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A reference to a Python global: module and name.
    Global(String, String),
    /// A call of a global with arguments (`REDUCE` or `NEWOBJ`), plus any `BUILD` state.
    Call {
        func: Box<Value>,
        args: Vec<Value>,
        state: Option<Box<Value>>,
    },
    /// A persistent id, as torch uses for storages.
    Persistent(Box<Value>),
    /// An integer too large for i64 (little-endian two's complement bytes).
    BigInt(Vec<u8>),
    /// Mark on the stack (internal).
    Mark,
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one (bools count as 0/1, like Python).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The items of a tuple or list.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(v) | Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// `module.name` of a global.
    pub fn global_name(&self) -> Option<String> {
        match self {
            Value::Global(m, n) => Some(format!("{m}.{n}")),
            _ => None,
        }
    }
}

/// Reads one pickle from the start of `data`; returns the value and the number of bytes used.
pub fn read(data: &[u8]) -> Result<(Value, usize), WeightsError> {
    let mut m = Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        memo: Vec::new(),
    };
    let value = m.run()?;
    Ok((value, m.pos))
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    memo: Vec<Option<Value>>,
}

fn corrupt(msg: impl Into<String>) -> WeightsError {
    WeightsError::Corrupt(format!("pickle: {}", msg.into()))
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WeightsError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end =
            end.ok_or_else(|| corrupt("the file ends in the middle of a pickle (truncated?)"))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn u8(&mut self) -> Result<u8, WeightsError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, WeightsError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }

    fn u32(&mut self) -> Result<u32, WeightsError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    fn u64(&mut self) -> Result<u64, WeightsError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }

    fn line(&mut self) -> Result<&'a str, WeightsError> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("unterminated line"))?;
        let line = std::str::from_utf8(&rest[..n]).map_err(|_| corrupt("line is not UTF-8"))?;
        self.pos += n + 1;
        Ok(line)
    }

    fn len(&mut self, n: u64) -> Result<usize, WeightsError> {
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.data.len() - self.pos)
            .ok_or_else(|| corrupt("length runs past the end of the file"))
    }

    fn pop(&mut self) -> Result<Value, WeightsError> {
        self.stack.pop().ok_or_else(|| corrupt("stack underflow"))
    }

    fn top(&mut self) -> Result<&mut Value, WeightsError> {
        self.stack
            .last_mut()
            .ok_or_else(|| corrupt("stack underflow"))
    }

    /// Pops everything above the topmost mark, and the mark.
    fn pop_mark(&mut self) -> Result<Vec<Value>, WeightsError> {
        let at = self
            .stack
            .iter()
            .rposition(|v| matches!(v, Value::Mark))
            .ok_or_else(|| corrupt("no mark on the stack"))?;
        let items = self.stack.split_off(at + 1);
        self.stack.pop();
        Ok(items)
    }

    fn put(&mut self, index: usize) -> Result<(), WeightsError> {
        let value = self
            .stack
            .last()
            .cloned()
            .ok_or_else(|| corrupt("memo of an empty stack"))?;
        if index >= self.memo.len() {
            if index > 1 << 24 {
                return Err(corrupt("memo index too large"));
            }
            self.memo.resize(index + 1, None);
        }
        self.memo[index] = Some(value);
        Ok(())
    }

    fn get(&mut self, index: usize) -> Result<(), WeightsError> {
        let value = self
            .memo
            .get(index)
            .cloned()
            .flatten()
            .ok_or_else(|| corrupt(format!("memo {index} is empty")))?;
        self.stack.push(value);
        Ok(())
    }

    fn string(&mut self, n: usize) -> Result<Value, WeightsError> {
        let bytes = self.take(n)?;
        Ok(Value::Str(String::from_utf8_lossy(bytes).into_owned()))
    }

    fn run(&mut self) -> Result<Value, WeightsError> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    self.u8()?; // PROTO
                }
                0x95 => {
                    self.u64()?; // FRAME: a hint only
                }
                b'.' => return self.pop(), // STOP
                b'(' => self.stack.push(Value::Mark),
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err(corrupt("stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(items));
                }
                b']' => self.stack.push(Value::List(Vec::new())),
                b'l' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::List(items));
                }
                b'a' => {
                    let item = self.pop()?;
                    match self.top()? {
                        Value::List(v) => v.push(item),
                        _ => return Err(corrupt("APPEND to a non-list")),
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        Value::List(v) => v.extend(items),
                        _ => return Err(corrupt("APPENDS to a non-list")),
                    }
                }
                b'}' => self.stack.push(Value::Dict(Vec::new())),
                b'd' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Dict(pairs(items)?));
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    set_items(self.top()?, vec![(key, value)])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let items = pairs(items)?;
                    set_items(self.top()?, items)?;
                }
                0x8f => self.stack.push(Value::List(Vec::new())), // EMPTY_SET, kept as a list
                0x90 => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        Value::List(v) => v.extend(items),
                        _ => return Err(corrupt("ADDITEMS to a non-set")),
                    }
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::List(items));
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.stack.push(Value::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v as i64));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.stack.push(Value::Int(v as i64));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8()? as u64
                    } else {
                        self.u32()? as u64
                    };
                    let n = self.len(n)?;
                    let bytes = self.take(n)?;
                    self.stack.push(long(bytes));
                }
                b'I' => {
                    let line = self.line()?;
                    let value = match line {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        _ => Value::Int(line.trim().parse().map_err(|_| corrupt("bad INT"))?),
                    };
                    self.stack.push(value);
                }
                b'L' => {
                    let line = self.line()?.trim_end_matches('L');
                    self.stack
                        .push(Value::Int(line.parse().map_err(|_| corrupt("bad LONG"))?));
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.take(8)?.try_into().unwrap());
                    self.stack.push(Value::Float(v));
                }
                b'F' => {
                    let line = self.line()?;
                    self.stack.push(Value::Float(
                        line.trim().parse().map_err(|_| corrupt("bad FLOAT"))?,
                    ));
                }
                b'X' | 0x8c | 0x8d | b'U' | b'T' => {
                    let n = match op {
                        b'X' | b'T' => self.u32()? as u64,
                        0x8d => self.u64()?,
                        _ => self.u8()? as u64,
                    };
                    let n = self.len(n)?;
                    let s = self.string(n)?;
                    self.stack.push(s);
                }
                b'C' | b'B' | 0x8e => {
                    let n = match op {
                        b'C' => self.u8()? as u64,
                        b'B' => self.u32()? as u64,
                        _ => self.u64()?,
                    };
                    let n = self.len(n)?;
                    let bytes = self.take(n)?.to_vec();
                    self.stack.push(Value::Bytes(bytes));
                }
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'q' => {
                    let i = self.u8()? as usize;
                    self.put(i)?;
                }
                b'r' => {
                    let i = self.u32()? as usize;
                    self.put(i)?;
                }
                b'p' => {
                    let i = self
                        .line()?
                        .trim()
                        .parse()
                        .map_err(|_| corrupt("bad PUT"))?;
                    self.put(i)?;
                }
                0x94 => {
                    let i = self.memo.len();
                    self.put(i)?;
                }
                b'h' => {
                    let i = self.u8()? as usize;
                    self.get(i)?;
                }
                b'j' => {
                    let i = self.u32()? as usize;
                    self.get(i)?;
                }
                b'g' => {
                    let i = self
                        .line()?
                        .trim()
                        .parse()
                        .map_err(|_| corrupt("bad GET"))?;
                    self.get(i)?;
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.stack.push(Value::Global(module, name));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => self.stack.push(Value::Global(m, n)),
                        _ => return Err(corrupt("STACK_GLOBAL needs two strings")),
                    }
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let args = match args {
                        Value::Tuple(v) => v,
                        _ => return Err(corrupt("call arguments are not a tuple")),
                    };
                    self.stack.push(call(func, args));
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let args = args.as_seq().map(<[Value]>::to_vec).unwrap_or_default();
                    self.stack.push(call(func, args));
                }
                b'b' => {
                    let state = self.pop()?;
                    match self.top()? {
                        Value::Call { state: slot, .. } => *slot = Some(Box::new(state)),
                        // An OrderedDict's attributes (`_metadata`) and the like: not needed.
                        _ => {}
                    }
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.stack.push(Value::Persistent(Box::new(pid)));
                }
                b'P' => {
                    let pid = self.line()?.to_string();
                    self.stack
                        .push(Value::Persistent(Box::new(Value::Str(pid))));
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                other => {
                    return Err(corrupt(format!(
                        "unsupported opcode 0x{other:02x} at byte {}",
                        self.pos - 1
                    )));
                }
            }
        }
    }
}

/// `OrderedDict()` and `dict()` become plain dicts; every other call stays a call.
fn call(func: Value, args: Vec<Value>) -> Value {
    if let Value::Global(m, n) = &func {
        if (m == "collections" && n == "OrderedDict") || (m == "builtins" && n == "dict") {
            let items = args
                .into_iter()
                .next()
                .and_then(|a| match a {
                    Value::List(v) => Some(v),
                    _ => None,
                })
                .unwrap_or_default()
                .into_iter()
                .filter_map(|pair| match pair {
                    Value::Tuple(mut kv) if kv.len() == 2 => {
                        let v = kv.pop().unwrap();
                        let k = kv.pop().unwrap();
                        Some((k, v))
                    }
                    _ => None,
                })
                .collect();
            return Value::Dict(items);
        }
    }
    Value::Call {
        func: Box::new(func),
        args,
        state: None,
    }
}

fn pairs(items: Vec<Value>) -> Result<Vec<(Value, Value)>, WeightsError> {
    if items.len() % 2 != 0 {
        return Err(corrupt("odd number of items for a dict"));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn set_items(target: &mut Value, items: Vec<(Value, Value)>) -> Result<(), WeightsError> {
    match target {
        Value::Dict(d) => {
            d.extend(items);
            Ok(())
        }
        // `OrderedDict` built by REDUCE with extra state, seen in some checkpoints.
        Value::Call { .. } => Ok(()),
        _ => Err(corrupt("SETITEM on a non-dict")),
    }
}

fn long(bytes: &[u8]) -> Value {
    if bytes.len() <= 8 {
        let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
        let mut buf = if negative { [0xffu8; 8] } else { [0u8; 8] };
        buf[..bytes.len()].copy_from_slice(bytes);
        Value::Int(i64::from_le_bytes(buf))
    } else {
        Value::BigInt(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bytes produced by CPython's pickle module (protocol 2) for
    // collections.OrderedDict([('a', 1), ('b', (2.5, None, True))]) and for [1, -2, 70000, 'x'].
    const ORDERED: &[u8] = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00aq\x02K\x01X\x01\x00\x00\x00bq\x03G@\x04\x00\x00\x00\x00\x00\x00N\x88\x87q\x04u.";
    const LIST: &[u8] =
        b"\x80\x02]q\x00(K\x01J\xfe\xff\xff\xffJp\x11\x01\x00X\x01\x00\x00\x00xq\x01e.";

    #[test]
    fn reads_ordered_dict() {
        let (v, used) = read(ORDERED).unwrap();
        assert_eq!(used, ORDERED.len());
        assert_eq!(
            v,
            Value::Dict(vec![
                (Value::Str("a".into()), Value::Int(1)),
                (
                    Value::Str("b".into()),
                    Value::Tuple(vec![Value::Float(2.5), Value::None, Value::Bool(true)])
                ),
            ])
        );
    }

    #[test]
    fn reads_list_and_ints() {
        let (v, _) = read(LIST).unwrap();
        assert_eq!(
            v,
            Value::List(vec![
                Value::Int(1),
                Value::Int(-2),
                Value::Int(70000),
                Value::Str("x".into())
            ])
        );
    }

    #[test]
    fn long1_is_twos_complement() {
        assert_eq!(long(&[0xff]), Value::Int(-1));
        assert_eq!(long(&[0x00, 0x01]), Value::Int(256));
        assert!(matches!(long(&[1; 10]), Value::BigInt(_)));
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        for n in 0..ORDERED.len() - 1 {
            assert!(read(&ORDERED[..n]).is_err(), "prefix of {n} bytes");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read(b"\x80\x02\xff").is_err());
        assert!(read(b"s").is_err());
        assert!(read(b"").is_err());
    }
}
