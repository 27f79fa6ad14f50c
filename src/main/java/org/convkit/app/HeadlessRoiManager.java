package org.convkit.app;

import javassist.CannotCompileException;
import javassist.ClassPool;
import javassist.CtBehavior;
import javassist.CtClass;
import javassist.CtMethod;
import javassist.CtNewMethod;
import javassist.NotFoundException;
import javassist.expr.ConstructorCall;
import javassist.expr.ExprEditor;
import javassist.expr.FieldAccess;
import javassist.expr.MethodCall;
import javassist.expr.NewExpr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes ImageJ's ROI Manager usable with no display. Why it is needed: a batch-mode macro's ROI Manager is a hidden
 * {@code ij.plugin.frame.RoiManager} ({@code Interpreter.getBatchModeRoiManager()} makes one with
 * {@code new RoiManager(true)}), but RoiManager extends {@code PlugInFrame}, an AWT {@code Frame}, and constructing
 * any Frame throws {@code HeadlessException} when AWT is headless, hidden or not. ij1-patcher cuts GenericDialog
 * loose from AWT for the same reason; it leaves RoiManager alone, so every {@code roiManager(...)} call of a
 * headless macro crashed.
 * <p>
 * The edit, made to the class file before ImageJ loads it (see {@link HeadlessAgent}): RoiManager's superclass
 * becomes {@code Object}; calls of the Frame methods it inherited and calls on itself get empty stand-ins that
 * return 0, false or null (setTitle, pack, add(Component), repaint, ...); calls, constructions and field writes that
 * hand the manager or another AWT container to AWT code (window lists, dialogs with a parent frame, the scroll pane
 * of the list) are dropped, and so are AWT widgets (checkboxes, buttons, menus: their calls answer 0, false or null). The list and everything it holds (ROIs, names, groups, positions, the .zip reader and
 * writer) are RoiManager's own code and run unchanged; only showing it is gone.
 */
public final class HeadlessRoiManager {
	public static final String CLASS_NAME = "ij.plugin.frame.RoiManager";

	private HeadlessRoiManager() {
	}

	/** Rewrites the class as described above. */
	public static void patch(CtClass rm) {
		try {
			ClassPool pool = rm.getClassPool();
			Set<String> frameChain = new HashSet<>();
			for (CtClass c = rm.getSuperclass(); c != null && !c.getName().equals("java.lang.Object"); c = c
					.getSuperclass())
				frameChain.add(c.getName());
			Map<String, CtMethod> inheritedCalls = inheritedCalls(rm);
			List<CtClass> frameInterfaces = new ArrayList<>();
			for (CtClass c = rm.getSuperclass(); c != null; c = c.getSuperclass())
				for (CtClass i : c.getInterfaces())
					if (i.getName().startsWith("ij.")) frameInterfaces.add(i); // PlugIn: IJ.runPlugIn casts to it

			// calls are resolved against the AWT superclasses, so they are edited before those go
			rm.instrument(new ExprEditor() {
				@Override
				public void edit(MethodCall call) throws CannotCompileException {
					try {
						CtMethod m = call.getMethod();
						if (frameChain.contains(call.getClassName()) || takesAny(m, frameChain)
								|| isAwtWidget(pool.get(call.getClassName())))
							call.replace(defaultResult(m.getReturnType()));
					} catch (NotFoundException e) {
						throw new CannotCompileException(e);
					}
				}

				@Override
				public void edit(NewExpr expr) throws CannotCompileException {
					try {
						if (isAwtWidget(pool.get(expr.getClassName()))) { // a checkbox, button, menu: not made
							expr.replace("$_ = null;");
							return;
						}
						if (!takesAny(expr.getConstructor(), frameChain)) return;
						// a dialog with the manager as parent: the same dialog without one (headless: macro options)
						expr.replace(expr.getClassName().equals("ij.gui.GenericDialog") ? "$_ = new ij.gui.GenericDialog($1);"
								: "$_ = null;");
					} catch (NotFoundException e) {
						throw new CannotCompileException(e);
					}
				}

				@Override
				public void edit(FieldAccess access) throws CannotCompileException {
					try {
						if (access.isWriter() && frameChain.contains(access.getField().getType().getName()))
							access.replace(";");
					} catch (NotFoundException e) {
						throw new CannotCompileException(e);
					}
				}
			});
			rm.setSuperclass(pool.get("java.lang.Object"));
			rm.instrument(new ExprEditor() {
				@Override
				public void edit(ConstructorCall call) throws CannotCompileException {
					if (call.isSuper()) call.replace("super();");
				}
			});
			Set<String> declared = new HashSet<>();
			for (CtMethod m : rm.getDeclaredMethods()) declared.add(m.getName() + m.getSignature());
			for (CtClass i : frameInterfaces) {
				rm.addInterface(i);
				for (CtMethod m : i.getDeclaredMethods()) inheritedCalls.putIfAbsent(m.getName() + m.getSignature(), m);
			}
			for (Map.Entry<String, CtMethod> e : inheritedCalls.entrySet()) {
				if (declared.contains(e.getKey())) continue;
				CtMethod m = e.getValue();
				rm.addMethod(CtNewMethod.make(javassist.Modifier.PUBLIC, m.getReturnType(), m.getName(),
						m.getParameterTypes(), m.getExceptionTypes(), "{" + defaultResult(m.getReturnType()).replace("$_ =", "return") + "}", rm));
			}
		} catch (NotFoundException | CannotCompileException e) {
			throw new IllegalStateException("cannot rewrite " + rm.getName() + ": " + e, e);
		}
	}

	/** The methods RoiManager calls on itself but inherits from its AWT superclasses, by name and signature. */
	private static Map<String, CtMethod> inheritedCalls(CtClass rm) throws CannotCompileException {
		Map<String, CtMethod> out = new LinkedHashMap<>();
		rm.instrument(new ExprEditor() {
			@Override
			public void edit(MethodCall call) throws CannotCompileException {
				if (!call.getClassName().equals(rm.getName())) return;
				try {
					CtMethod m = call.getMethod();
					if (m.getDeclaringClass() != rm && !m.getDeclaringClass().getName().equals("java.lang.Object")
							&& !javassist.Modifier.isStatic(m.getModifiers()))
						out.put(m.getName() + m.getSignature(), m);
				} catch (NotFoundException e) {
					throw new CannotCompileException(e);
				}
			}
		});
		return out;
	}

	/** An AWT component or menu part (heavyweight: constructing one throws HeadlessException). */
	private static boolean isAwtWidget(CtClass c) throws NotFoundException {
		if (!c.getName().startsWith("java.awt.")) return false;
		ClassPool pool = c.getClassPool();
		return c.subclassOf(pool.get("java.awt.Component")) || c.subclassOf(pool.get("java.awt.MenuComponent"));
	}

	private static boolean takesAny(CtBehavior b, Set<String> types) throws NotFoundException {
		for (CtClass p : b.getParameterTypes())
			if (types.contains(p.getName())) return true;
		return false;
	}

	/** A statement giving the type's default value to {@code $_} (nothing for void). */
	private static String defaultResult(CtClass type) {
		if (type == CtClass.voidType) return ";";
		if (type == CtClass.booleanType) return "$_ = false;";
		if (type.isPrimitive()) return "$_ = 0;";
		return "$_ = null;";
	}
}
